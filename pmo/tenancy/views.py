"""Organisation pages: overview, members and invitations, settings, and accepting an invitation."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import resolve, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views import View
from django.views.generic import TemplateView

from pmo.core.exports import Column, attr
from pmo.core.listing import ListPageMixin
from pmo.tenancy import member_list, services
from pmo.tenancy.forms import (
    InvitationForm,
    InvitationSignupForm,
    OrganizationDeleteForm,
    OrganizationSettingsForm,
    RoleForm,
)
from pmo.tenancy.models import Invitation, Membership
from pmo.tenancy.roles import Capability, Role
from pmo.tenancy.selectors import organization_invitations, organization_members
from pmo.tenancy.views_base import OrganizationViewMixin
from pmo.tenancy.workspaces import WorkspaceMixin, landing_workspace
from projects.policy import organization_zone
from projects.selectors import projects_visible_to
from reports.dashboard.selectors import with_latest


def _form_errors(exc: ValidationError) -> str:
    return " ".join(str(m) for m in exc.messages)


class OrganizationHomeView(OrganizationViewMixin, View):
    """``/o/<org_slug>/``: the landing workspace of the user's role, rendered in place (see ``workspaces``)."""

    nav_key = "home"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        target = landing_workspace(self.access)
        match = resolve(reverse(target.url_name, kwargs={"org_slug": self.organization.slug}))
        return match.func(request, *match.args, **match.kwargs)


class OrganizationOverviewView(WorkspaceMixin, OrganizationViewMixin, TemplateView):
    """The organisation at a glance: the landing page of viewers, one workspace among others for everyone."""

    workspace_key = "overview"
    template_name = "tenancy/home.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        data = super().get_context_data(**kwargs)
        projects = projects_visible_to(access=self.access)
        by_status = dict(projects.values_list("status").annotate(n=Count("id")).order_by())
        can_see_members = self.access.can(Capability.MEMBERS_VIEW)
        today = timezone.now().astimezone(organization_zone(self.organization)).date()
        # Each project's latest RAG and next open milestone, read in the same query as the projects.
        recent = with_latest(projects, as_of=today).select_related("portfolio", "manager").order_by("-created_at")
        data.update(
            today=today,
            project_total=sum(by_status.values()),
            status_counts=by_status,
            recent_projects=list(recent[:8]),
            can_see_members=can_see_members,
            member_count=Membership.objects.filter(organization=self.organization).count() if can_see_members else 0,
        )
        return data


class MembersView(ListPageMixin, OrganizationViewMixin, TemplateView):
    """The members (filter by role and text, sort, 50 a page) and, for administrators, role changes and
    invitations; ``?format=csv|xlsx`` answers the filtered member list as a file (for whoever sees the page)."""

    nav_key = "members"
    capability = Capability.MEMBERS_VIEW
    template_name = "tenancy/members.html"
    export_name = "members"
    default_sort = member_list.MEMBER_DEFAULT_SORT

    def build_filter_form(self) -> member_list.MemberFilterForm:
        return member_list.MemberFilterForm(self.request.GET or None)

    def rows(self) -> QuerySet[Membership]:
        return member_list.members_filtered(
            organization_members(organization=self.organization),
            role=self.values.get("role") or "",
            search=(self.values.get("q") or "").strip(),
            sort=self.sort,
        )

    def export_title(self) -> str:
        return _("Members")

    def export_columns(self) -> list[Column]:
        return [
            Column(pgettext("person", "Name"), attr("user.full_name"), 24),
            Column(_("E-mail"), attr("user.email"), 30),
            Column(_("Role"), attr("get_role_display"), 16),
            Column(_("Joined"), attr("created_at"), 18),
            Column(_("Last sign-in"), attr("user.last_login"), 18),
        ]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        data = super().get_context_data(**kwargs)
        can_manage = self.access.can(Capability.MEMBERS_MANAGE)
        data.update(
            members=list(data["page"].object_list),
            invitations=list(organization_invitations(organization=self.organization)) if can_manage else [],
            can_manage=can_manage,
            invite_form=kwargs.get("invite_form") or InvitationForm(),
            roles=Role.choices,
        )
        return data

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        """Invite someone (administrators only)."""
        if not self.access.can(Capability.MEMBERS_MANAGE):
            return HttpResponse(status=403)
        form = InvitationForm(request.POST)
        if form.is_valid():
            try:
                invitation = services.invitation_create(
                    organization=self.organization, actor=request.user, **form.cleaned_data
                )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(request, _("Invitation sent to %(email)s.") % {"email": invitation.email})
                return redirect("org-members", org_slug=self.organization.slug)
        return self.render_to_response(self.get_context_data(invite_form=form), status=400)


class MemberRoleView(OrganizationViewMixin, View):
    capability = Capability.MEMBERS_MANAGE

    def post(self, request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
        membership = get_object_or_404(Membership.objects.filter(organization=self.organization), pk=pk)
        form = RoleForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Choose a valid role."))
            return redirect("org-members", org_slug=org_slug)
        try:
            services.membership_change_role(
                organization=self.organization,
                actor=request.user,
                membership=membership,
                role=form.cleaned_data["role"],
            )
            messages.success(request, _("Role changed."))
        except ValidationError as exc:
            messages.error(request, _form_errors(exc))
        return redirect("org-members", org_slug=org_slug)


class MemberRemoveView(OrganizationViewMixin, View):
    capability = Capability.MEMBERS_MANAGE

    def post(self, request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
        membership = get_object_or_404(Membership.objects.filter(organization=self.organization), pk=pk)
        try:
            services.membership_remove(organization=self.organization, actor=request.user, membership=membership)
            messages.success(request, _("Member removed."))
        except ValidationError as exc:
            messages.error(request, _form_errors(exc))
        return redirect("org-members", org_slug=org_slug)


class InvitationRevokeView(OrganizationViewMixin, View):
    capability = Capability.MEMBERS_MANAGE

    def post(self, request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
        invitation = get_object_or_404(Invitation.objects.filter(organization=self.organization), pk=pk)
        try:
            services.invitation_revoke(organization=self.organization, actor=request.user, invitation=invitation)
            messages.success(request, _("Invitation revoked."))
        except ValidationError as exc:
            messages.error(request, _form_errors(exc))
        return redirect("org-members", org_slug=org_slug)


class OrganizationSettingsView(OrganizationViewMixin, TemplateView):
    nav_key = "settings"
    capability = Capability.ORG_MANAGE
    template_name = "tenancy/settings.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        data = super().get_context_data(**kwargs)
        data["form"] = kwargs.get("form") or OrganizationSettingsForm(instance=self.organization)
        data["delete_form"] = kwargs.get("delete_form") or OrganizationDeleteForm()
        data["grace_days"] = services.organization_purge_grace().days
        return data

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = OrganizationSettingsForm(request.POST, instance=self.organization)
        if form.is_valid():
            organization = form.save(commit=False)
            organization.save(update_fields=list(form.cleaned_data))
            messages.success(request, _("Settings saved."))
            return redirect("org-settings", org_slug=organization.slug)
        return self.render_to_response(self.get_context_data(form=form), status=400)


class OrganizationDeleteView(OrganizationSettingsView):
    """Soft-delete the organisation (administrators; the typed slug confirms). Members lose it at once; platform
    operators can restore it during the grace period, after which it is purged."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = OrganizationDeleteForm(request.POST)
        if form.is_valid():
            try:
                services.organization_soft_delete(
                    organization=self.organization, actor=request.user, confirm_slug=form.cleaned_data["confirm_slug"]
                )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(
                    request,
                    _("%(org)s is deleted. It will be purged in %(days)s days unless restored.")
                    % {"org": self.organization.name, "days": services.organization_purge_grace().days},
                )
                return redirect("home")
        return self.render_to_response(self.get_context_data(delete_form=form), status=400)


def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """The link from the invitation e-mail: join as the signed-in user, or create the account and join."""
    try:
        invitation = services.invitation_from_token(token)
    except services.InvitationInvalid:
        return render(request, "tenancy/invitation_invalid.html", status=404)
    user_model = get_user_model()
    existing = user_model._default_manager.filter(email__iexact=invitation.email).first()
    signup_form = None
    error = ""
    if request.method == "POST":
        try:
            # A savepoint, so that a refusal undoes the account it created and the error page can still query.
            with transaction.atomic():
                if request.user.is_authenticated:
                    services.invitation_accept(invitation=invitation, user=request.user)
                elif existing is None:
                    signup_form = InvitationSignupForm(request.POST, email=invitation.email)
                    if signup_form.is_valid():
                        user = user_model._default_manager.create_user(
                            email=invitation.email,
                            password=signup_form.cleaned_data["password1"],
                            full_name=signup_form.cleaned_data["full_name"],
                        )
                        services.invitation_accept(invitation=invitation, user=user)
                        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            if request.user.is_authenticated and (signup_form is None or signup_form.is_valid()):
                messages.success(request, _("Welcome to %(org)s.") % {"org": invitation.organization.name})
                return redirect("org-home", org_slug=invitation.organization.slug)
        except ValidationError as exc:
            error = _form_errors(exc)
        except services.InvitationInvalid:
            return render(request, "tenancy/invitation_invalid.html", status=404)
    elif not request.user.is_authenticated and existing is None:
        signup_form = InvitationSignupForm(email=invitation.email)
    return render(
        request,
        "tenancy/invitation_accept.html",
        {"invitation": invitation, "existing": existing, "signup_form": signup_form, "error": error},
        status=400 if error or (signup_form is not None and signup_form.is_bound) else 200,
    )
