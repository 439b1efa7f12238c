"""Intake pages: the request queue, the request form, the request page with its workflow actions (submit,
withdraw, score, decide), the ranked pipeline and the scoring-model editor."""

from __future__ import annotations

from decimal import Decimal
from functools import cached_property
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pmo.core.exports import Column, attr
from pmo.tenancy.roles import Capability
from portfolio import permissions, selectors, services
from portfolio.forms import (
    CriterionForm,
    DecideForm,
    RequestFilterForm,
    RequestForm,
    ScoreForm,
    VersionForm,
    WithdrawForm,
    apply_errors,
)
from portfolio.models import Portfolio, ProjectRequest, ScoringCriterion, StrategicObjective
from portfolio.views.base import FormPage, ListPage, PortfolioPage, people_in

Status = ProjectRequest.Status
STALE = gettext_lazy(
    "Someone else changed this request while you were working on it, so your changes were not saved. "
    "Compare with the current version, then save again to replace it with what you see here."
)


class IntakePage(PortfolioPage):
    nav_key = "intake"

    def request_url(self, pk: int) -> str:
        return reverse("intake-request-detail", args=[self.organization.slug, pk])


# --- Queue and form ---------------------------------------------------------------------------------------------


def _person(user: Any) -> str | None:
    return (user.get_full_name() or user.email) if user is not None else None


def _request_form(view: ListPage, *, pipeline: bool) -> RequestFilterForm:
    org = view.organization
    sponsors = selectors.requests_visible_to(access=view.access).values("sponsor_id")
    return RequestFilterForm(
        view.request.GET or None,
        statuses=[Status(s) for s in selectors.PIPELINE_STATUSES] if pipeline else list(Status),
        portfolios=Portfolio.objects.filter(organization=org).order_by("name"),
        people=people_in(sponsors),
        objectives=StrategicObjective.objects.filter(organization=org).order_by("code"),
        pipeline=pipeline,
    )


def _request_columns(view: ListPage) -> list[Column]:
    currency = view.organization.currency
    return [
        Column(_("Number"), attr("code"), 10),
        Column(_("Title"), attr("title"), 40),
        Column(_("Status"), attr("get_status_display"), 12),
        Column(_("Sponsor"), lambda r: _person(r.sponsor), 20),
        Column(_("Portfolio"), attr("portfolio.name"), 20),
        Column(_("Estimated cost (%(currency)s)") % {"currency": currency}, attr("estimated_cost"), 14),
        Column(_("Estimated benefit (%(currency)s)") % {"currency": currency}, attr("estimated_benefit"), 14),
        Column(_("Estimated effort (hours)"), attr("estimated_effort_hours"), 10),
        Column(_("Score"), attr("score"), 8),
        Column(_("Planned start"), attr("planned_start"), 12),
        Column(_("Planned finish"), attr("planned_finish"), 12),
        Column(_("Submitted"), attr("submitted_at"), 17),
    ]


class RequestQueueView(ListPage):
    """The queue of every request (``intake.view``, like the navigation entry), filtered, sorted, 50 a page, and
    as CSV or XLSX. Sponsors without that role open their own requests from their links (request pages are visible
    to their sponsor and author)."""

    nav_key = "intake"
    capability = permissions.INTAKE_VIEW_ALL
    template_name = "portfolio/intake/queue.html"
    export_name = "intake"

    def build_filter_form(self) -> RequestFilterForm:
        return _request_form(self, pipeline=False)

    def rows(self) -> Any:
        return selectors.request_list(access=self.access, filters=self.filter_form.values())

    def export_title(self) -> str:
        return _("Project intake")

    def export_columns(self) -> list[Column]:
        return [
            *_request_columns(self),
            Column(_("Decided"), attr("decided_at"), 17),
            Column(_("Decided by"), lambda r: _person(r.decided_by), 20),
        ]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        data = super().get_context_data(**kwargs)
        counts = selectors.request_status_counts(access=self.access)
        data.update(
            requests=list(data["page"].object_list),
            status=self.filter_form.values().status,
            status_counts=[(value, label, counts[value]) for value, label in Status.choices],
            total=sum(counts.values()),
            can_create=self.access.can(permissions.INTAKE_CREATE),
            tab="queue",
        )
        return data


def _request_initial(request: ProjectRequest, objective_ids: list[int]) -> dict[str, Any]:
    initial = {name: getattr(request, name) for name in RequestForm.SERVICE_FIELDS}
    initial.update(objectives=objective_ids, version=request.version)
    return initial


class RequestCreateView(FormPage):
    nav_key = "intake"
    capability = permissions.INTAKE_CREATE
    form_class = RequestForm
    template_name = "portfolio/intake/request_form.html"
    title = gettext_lazy("New project request")
    submit_label = gettext_lazy("Save draft")

    def cancel_url(self) -> str:
        return reverse("intake-queue", args=[self.organization.slug])

    def perform(self, form: Any) -> tuple[str, str]:
        request = services.request_create(
            organization=self.organization,
            actor=self.request.user,
            objective_ids=[o.pk for o in form.cleaned_data["objectives"]],
            **form.service_values(),
        )
        return (
            reverse("intake-request-detail", args=[self.organization.slug, request.pk]),
            _("Request %(code)s saved as a draft. Submit it when it is ready for review.") % {"code": request.code},
        )


class RequestEditView(FormPage):
    nav_key = "intake"
    capability = Capability.ORG_VIEW
    form_class = RequestForm
    template_name = "portfolio/intake/request_form.html"
    submit_label = gettext_lazy("Save")

    @cached_property
    def object(self) -> ProjectRequest:
        request = selectors.request_get_for_actor(access=self.access, pk=self.kwargs["pk"])
        permissions.require_request_action(self.access, permissions.EDIT, request)
        return request

    def get_form(self, data: Any = None) -> Any:
        request = self.object
        self.title = _("Edit %(code)s") % {"code": request.code}
        objective_ids = [o.pk for o in selectors.request_objectives(request=request)]
        return RequestForm(data, initial=_request_initial(request, objective_ids), organization=self.organization)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if self.object.status not in services.EDITABLE_STATUSES:
            messages.error(request, _("Only a draft or deferred request can be edited."))
            return redirect(self.cancel_url())
        return super().get(request, *args, **kwargs)

    def cancel_url(self) -> str:
        return reverse("intake-request-detail", args=[self.organization.slug, self.object.pk])

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = self.get_form(request.POST)
        if form.is_valid():
            try:
                services.request_update(
                    organization=self.organization,
                    actor=request.user,
                    request=self.object,
                    version=form.cleaned_data["version"] or 0,
                    # The empty choice reads "Me", as on the new-request form.
                    changes={**form.service_values(), "sponsor": form.cleaned_data["sponsor"] or request.user},
                    objective_ids=[o.pk for o in form.cleaned_data["objectives"]],
                )
            except services.VersionConflict as exc:
                # Keep the reader's input, now based on the current version: saving again is a deliberate overwrite.
                data = request.POST.copy()
                data["version"] = str(exc.current_version)
                form = self.get_form(data)
                form.is_valid()
                form.add_error(None, STALE)
                return self.render_to_response(self.get_context_data(form=form, conflict=True), status=409)
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("Request saved."))
                return redirect(self.cancel_url())
        return self.render_to_response(self.get_context_data(form=form), status=400)


# --- The request page and its actions ---------------------------------------------------------------------------


def score_rows(scores: list[Any]) -> tuple[list[dict[str, Any]], Decimal | None]:
    """Each score with its normalised value (0–100) and its share of the weighted score, and the total with the
    criteria as they are now (it differs from the stored score when the PMO changed the weights since)."""
    weights = sum(s.criterion.weight for s in scores)
    rows = []
    for score in scores:
        criterion = score.criterion
        steps = score.value - 1 if criterion.higher_is_better else 5 - score.value
        normalised = Decimal(steps * 25)
        rows.append(
            {
                "score": score,
                "normalised": normalised,
                "contribution": (normalised * criterion.weight / weights).quantize(Decimal("0.01")) if weights else 0,
            }
        )
    if not scores:
        return rows, None
    return rows, services.weighted_score((s.criterion.weight, s.criterion.higher_is_better, s.value) for s in scores)


class RequestDetailView(IntakePage):
    capability = Capability.ORG_VIEW
    template_name = "portfolio/intake/request_detail.html"

    @cached_property
    def object(self) -> ProjectRequest:
        return selectors.request_get_for_actor(access=self.access, pk=self.kwargs["pk"])

    def actions(self, request: ProjectRequest) -> dict[str, bool]:
        """Which action buttons the reader sees: allowed for their role and possible in the current status."""
        may = lambda action: permissions.request_may(self.access, action, request)  # noqa: E731
        status = request.status
        supportive = self.organization.pmo_type == self.organization.PmoType.SUPPORTIVE
        approvable = status == Status.IN_REVIEW or (supportive and status == Status.SUBMITTED)
        return {
            "edit": may(permissions.EDIT) and status in services.EDITABLE_STATUSES,
            "submit": may(permissions.SUBMIT) and status in services.EDITABLE_STATUSES,
            "withdraw": may(permissions.WITHDRAW) and status in services.WITHDRAWABLE_STATUSES,
            "score": may(permissions.SCORE) and status in services.SCORABLE_STATUSES,
            "decide": may(permissions.DECIDE) and status in services.DECIDABLE_STATUSES,
            "approve": may(permissions.DECIDE) and approvable,
        }

    def score_form(self, request: ProjectRequest, scores: list[Any], data: Any = None) -> ScoreForm:
        criteria = list(selectors.scoring_criteria(organization=self.organization, active_only=True))
        initial: dict[str, Any] = {"version": request.version, "feasibility_note": request.feasibility_note}
        for score in scores:
            initial[f"criterion_{score.criterion_id}"] = str(score.value)
            initial[f"note_{score.criterion_id}"] = score.note
        return ScoreForm(data, criteria=criteria, initial=initial, organization=self.organization)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        data = super().get_context_data(**kwargs)
        request = self.object
        scores = selectors.request_scores(request=request)
        rows, total = score_rows(scores)
        actions = self.actions(request)
        version = {"version": request.version}
        data.update(
            req=request,
            objectives=selectors.request_objectives(request=request),
            score_rows=rows,
            weighted_total=total,
            history=selectors.request_history(request=request),
            actions=actions,
            version_form=VersionForm(initial=version),
            withdraw_form=kwargs.get("withdraw_form") or WithdrawForm(initial=version),
            decide_form=kwargs.get("decide_form") or DecideForm(initial=version),
            score_form=(kwargs.get("score_form") or self.score_form(request, scores)) if actions["score"] else None,
            needs_score=self.organization.pmo_type != self.organization.PmoType.SUPPORTIVE,
            tab="queue",
        )
        return data


class RequestActionView(RequestDetailView):
    """POST one workflow action; errors show the request page again with the form that failed."""

    http_method_names = ["post"]
    action: str
    form_class: type[forms.Form] = VersionForm
    form_name = "version_form"
    # A button without visible fields (submit) reports its errors as messages at the top of the page.
    errors_as_messages = False

    def make_form(self, data: Any) -> forms.Form:
        return self.form_class(data)

    def perform(self, form: Any, request: ProjectRequest) -> str:
        raise NotImplementedError

    def post(self, http_request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        request = self.object
        permissions.require_request_action(self.access, self.action, request)
        form = self.make_form(http_request.POST)
        status = 400
        if form.is_valid():
            try:
                message = self.perform(form, request)
            except services.VersionConflict:
                form.add_error(None, STALE)
                status = 409
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(http_request, message)
                return redirect(self.request_url(request.pk))
        if self.errors_as_messages:
            for error in form.non_field_errors():
                messages.error(http_request, str(error))
        del self.object  # show the request as it is now
        return self.render_to_response(self.get_context_data(**{self.form_name: form}), status=status)


class RequestSubmitView(RequestActionView):
    action = permissions.SUBMIT
    errors_as_messages = True

    def perform(self, form: Any, request: ProjectRequest) -> str:
        services.request_submit(
            organization=self.organization,
            actor=self.request.user,
            request=request,
            version=form.cleaned_data["version"],
        )
        return _("Request submitted to the PMO for review.")


class RequestWithdrawView(RequestActionView):
    action = permissions.WITHDRAW
    form_class = WithdrawForm
    form_name = "withdraw_form"

    def perform(self, form: Any, request: ProjectRequest) -> str:
        services.request_withdraw(
            organization=self.organization,
            actor=self.request.user,
            request=request,
            reason=form.cleaned_data["reason"],
            version=form.cleaned_data["version"],
        )
        return _("Request withdrawn.")


class RequestScoreView(RequestActionView):
    action = permissions.SCORE
    form_name = "score_form"

    def make_form(self, data: Any) -> forms.Form:
        return self.score_form(self.object, [], data)

    def perform(self, form: Any, request: ProjectRequest) -> str:
        scored = services.request_score(
            organization=self.organization,
            actor=self.request.user,
            request=request,
            values=form.values(),
            notes=form.notes(),
            feasibility_note=form.cleaned_data["feasibility_note"],
            version=form.cleaned_data["version"],
        )
        return _("Scores saved: the weighted score is %(score)s.") % {"score": scored.score}


class RequestDecideView(RequestActionView):
    action = permissions.DECIDE
    form_class = DecideForm
    form_name = "decide_form"

    def perform(self, form: Any, request: ProjectRequest) -> str:
        decided = services.request_decide(
            organization=self.organization,
            actor=self.request.user,
            request=request,
            decision=form.cleaned_data["decision"],
            reason=form.cleaned_data["reason"],
            version=form.cleaned_data["version"],
        )
        if decided.project is not None:
            return _("Request approved: project %(code)s has been created.") % {"code": decided.project.code}
        return _("Decision recorded: %(status)s.") % {"status": decided.get_status_display()}


# --- Pipeline ---------------------------------------------------------------------------------------------------


class PipelineView(ListPage):
    nav_key = "intake"
    capability = permissions.INTAKE_VIEW_ALL
    template_name = "portfolio/intake/pipeline.html"
    export_name = "pipeline"

    def build_filter_form(self) -> RequestFilterForm:
        return _request_form(self, pipeline=True)

    def rows(self) -> Any:
        return selectors.pipeline_list(access=self.access, filters=self.filter_form.values())

    def export_title(self) -> str:
        return _("Pipeline")

    def export_rows(self) -> Any:
        return ({"rank": rank, "request": r} for rank, r in enumerate(self.rows(), start=1))

    def export_columns(self) -> list[Column]:
        def field(column: Column) -> Column:
            return Column(column.header, lambda row: column.value(row["request"]), column.width)

        return [
            Column(_("Rank"), attr("rank"), 6),
            *(field(column) for column in _request_columns(self)),
            Column(_("Alignment"), attr("request.alignment"), 10),
            Column(_("Objectives"), lambda row: [link.objective.code for link in row["request"].objective_links.all()]),
            Column(_("Benefit ÷ cost"), attr("request.benefit_ratio"), 10),
        ]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        data = super().get_context_data(**kwargs)
        data.update(
            requests=list(data["page"].object_list),
            totals=selectors.pipeline_totals(requests=self.rows()),
            tab="pipeline",
        )
        return data


# --- Scoring model ----------------------------------------------------------------------------------------------


class ScoringModelView(IntakePage):
    capability = permissions.SCORING_VIEW
    template_name = "portfolio/intake/scoring.html"

    def row_form(self, criterion: ScoringCriterion, data: Any = None) -> CriterionForm:
        initial = {f: getattr(criterion, f) for f in services.CRITERION_FIELDS}
        form = CriterionForm(data, initial=initial, prefix=f"c{criterion.pk}", organization=self.organization)
        for field in form.fields.values():
            # The row's inputs sit in a table cell; the attribute ties them to the row's <form> outside the table.
            field.widget.attrs["form"] = f"criterion-{criterion.pk}"
        return form

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        data = super().get_context_data(**kwargs)
        criteria = list(selectors.scoring_criteria(organization=self.organization))
        can_manage = self.access.can(permissions.SCORING_MANAGE)
        active_weight = sum(c.weight for c in criteria if c.active)
        bound: dict[int, CriterionForm] = kwargs.get("row_forms", {})
        rows = [
            {
                "criterion": c,
                "share": round(100 * c.weight / active_weight) if c.active and active_weight else 0,
                "form": (bound.get(c.pk) or self.row_form(c)) if can_manage else None,
            }
            for c in criteria
        ]
        next_order = max((c.order for c in criteria), default=0) + 1
        data.update(
            rows=rows,
            active_weight=active_weight,
            can_manage=can_manage,
            add_form=kwargs.get("add_form")
            or CriterionForm(initial={"order": next_order}, organization=self.organization),
            tab="scoring",
        )
        return data

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        """Add a criterion."""
        self.require(permissions.SCORING_MANAGE)
        form = CriterionForm(request.POST, organization=self.organization)
        if form.is_valid():
            try:
                services.criterion_create(organization=self.organization, actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("Criterion added."))
                return redirect("intake-scoring", org_slug=self.organization.slug)
        return self.render_to_response(self.get_context_data(add_form=form), status=400)


class CriterionUpdateView(ScoringModelView):
    http_method_names = ["post"]
    capability = permissions.SCORING_MANAGE

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        criterion = selectors.criterion_get(organization=self.organization, pk=kwargs["pk"])
        form = self.row_form(criterion, request.POST)
        if form.is_valid():
            try:
                services.criterion_update(
                    organization=self.organization, actor=request.user, criterion=criterion, changes=form.cleaned_data
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("Criterion saved."))
                return redirect("intake-scoring", org_slug=self.organization.slug)
        messages.error(request, _("The criterion was not saved: correct the marked fields."))
        return self.render_to_response(self.get_context_data(row_forms={criterion.pk: form}), status=400)


class CriterionDeleteView(ScoringModelView):
    http_method_names = ["post"]
    capability = permissions.SCORING_MANAGE

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        criterion = selectors.criterion_get(organization=self.organization, pk=kwargs["pk"])
        try:
            services.criterion_delete(organization=self.organization, actor=request.user, criterion=criterion)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return self.render_to_response(self.get_context_data(), status=400)
        messages.success(request, _("Criterion deleted."))
        return redirect("intake-scoring", org_slug=self.organization.slug)
