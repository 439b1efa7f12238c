"""The demo history of monitoring and change control (``projects.monitoring_seed``): 12+ weeks of submitted weekly
status per active project with stored figures that are exactly what ``projects.evm`` computes, late and returned
reports, the current week in every state, change requests in every state whose approvals made real baselines, and a
second run that changes nothing."""

from __future__ import annotations

import datetime as dt
import itertools
import time
from collections import Counter
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import DatabaseError, transaction
from django.db.models import F
from django.utils import timezone, translation

from pmo.core.management.commands.seed_demo import DemoContext
from pmo.tenancy.context import tenant_context
from pmo.tenancy.models import Organization
from pmo.tenancy.roles import Role
from portfolio import seed as portfolio_seed
from projects import evm, monitoring_seed
from projects import seed as projects_seed
from projects.models import (
    EVM_FIGURE_FIELDS,
    STATUS_CONTENT_FIELDS,
    Baseline,
    ChangeApproval,
    ChangeRequest,
    Milestone,
    Project,
    StatusReport,
    StatusRevision,
)
from projects.policy import control_policy_get, current_week_start, status_date
from tests.conftest import OrgWorld
from tests.factories_portfolio import install_defaults

SUBMITTED_STATES = ("submitted", "accepted", "returned")


def seed_world(world: OrgWorld, *, pmo_type: str = Organization.PmoType.CONTROLLING, language: str = "en") -> None:
    """An organisation built like a demo one: its set-up, then the portfolio, lifecycle and monitoring seeders."""
    Organization.objects.filter(pk=world.organization.pk).update(pmo_type=pmo_type, default_language=language)
    world.organization.refresh_from_db()
    install_defaults(world)
    demo = DemoContext(organization=world.organization, users=world.users, language=language)
    with world.ctx(), translation.override(language):
        portfolio_seed.seed_demo(demo)
        projects_seed.seed_demo(demo)
        monitoring_seed.seed_demo(demo)


def snapshot(world: OrgWorld) -> dict[str, Any]:
    with world.ctx():
        return {
            "reports": list(StatusReport.objects.order_by("pk").values()),
            "revisions": list(StatusRevision.objects.order_by("pk").values()),
            "changes": list(ChangeRequest.objects.order_by("pk").values()),
            "approvals": list(ChangeApproval.objects.order_by("pk").values()),
            "baselines": list(Baseline.objects.order_by("pk").values("pk", "version", "budget", "finish_date")),
            "projects": list(
                Project.objects.order_by("pk").values("budget_at_completion", "planned_finish", "version")
            ),
            "milestones": list(Milestone.objects.order_by("pk").values("baseline_date", "forecast_date")),
        }


def demo_projects(world: OrgWorld, *statuses: str) -> list[Project]:
    return list(Project.objects.filter(code__startswith="GX-", status__in=statuses).order_by("code"))


@pytest.fixture
def seeded(org_a: OrgWorld) -> OrgWorld:
    seed_world(org_a)
    return org_a


def test_every_active_project_has_twelve_weeks_of_submitted_history(seeded: OrgWorld) -> None:
    organization = seeded.organization
    now = timezone.now()
    with seeded.ctx():
        policy = control_policy_get(organization=organization)
        current = current_week_start(organization=organization)
        active = demo_projects(seeded, "active")
        assert len(active) == 3
        for project in active:
            past = StatusReport.objects.filter(project=project, week_start__lt=current, state__in=SUBMITTED_STATES)
            weeks = sorted(past.values_list("week_start", flat=True))
            assert len(weeks) >= 12, project.code
            # consecutive ISO weeks, none before the project started
            assert all(b - a == dt.timedelta(weeks=1) for a, b in itertools.pairwise(weeks)), project.code
            assert project.planned_start is not None
            assert status_date(policy=policy, week_start=weeks[0]) >= project.planned_start
        on_hold = demo_projects(seeded, "on_hold")
        assert on_hold and all(StatusReport.objects.filter(project=p).exists() for p in on_hold)
        # closed projects: a shorter history that ends by their finish
        for project in demo_projects(seeded, "closed"):
            reports = StatusReport.objects.filter(project=project)
            assert 4 <= reports.count() < 12
            finish = project.closure_reports.get(status="approved").actual_finish
            assert all(status_date(policy=policy, week_start=r.week_start) <= finish for r in reports)
        # some reports were late: first submitted after the due time, on more than one project
        late = StatusReport.objects.filter(first_submitted_at__gt=F("due_at"))
        assert late.count() >= 4
        assert late.values("project").distinct().count() >= 2
        # most are accepted by the PMO; nothing happened in the future
        every = list(StatusReport.objects.all())
        accepted = [r for r in every if r.state == "accepted"]
        assert len(accepted) > len(every) * 0.8
        assert {r.reviewed_by_id for r in accepted} == {seeded.users[Role.PMO].pk}
        for report in every:
            moments = [report.created_at, report.updated_at, report.first_submitted_at, report.reviewed_at]
            assert all(m is None or (m.tzinfo is not None and m <= now) for m in moments), report
            assert report.created_at <= (report.first_submitted_at or report.created_at) <= report.updated_at


def test_the_trends_tell_a_story(seeded: OrgWorld) -> None:
    with seeded.ctx():
        current = current_week_start(organization=seeded.organization)

        def history(code: str) -> list[StatusReport]:
            return list(
                StatusReport.objects.filter(project__code=code, week_start__lt=current)
                .exclude(state="draft")
                .order_by("week_start")
            )

        slipping, recovering = history("GX-001"), history("GX-009")
        # slipping: green, then amber, then red; SPI and CPI drift down; the forecast finish moves later
        assert slipping[0].rag_overall == "green" and slipping[-1].rag_overall == "red"
        assert "amber" in {r.rag_overall for r in slipping}
        first, last = slipping[0], slipping[-1]
        assert first.spi is not None and last.spi is not None and first.cpi is not None and last.cpi is not None
        assert last.spi < first.spi and last.cpi < first.cpi
        assert first.forecast_finish is not None and last.forecast_finish is not None
        assert last.forecast_finish > first.forecast_finish
        slips = [next(x["value"] for x in r.suggested_reasons if x["factor"] == "slip") for r in slipping]
        assert slips == sorted(slips) and slips[0] == 0 and slips[-1] > 20
        # recovering: not green at first, green at the end, after a resource change added budget (baseline v2)
        assert recovering[0].suggested_rag != "green" and recovering[-1].suggested_rag == "green"
        assert recovering[0].baseline_version == 1 and recovering[-1].baseline_version == 2
        # percent complete and actual cost never go down
        for code in ("GX-001", "GX-002", "GX-009"):
            reports = history(code)
            assert [r.percent_complete for r in reports] == sorted(r.percent_complete for r in reports)
            assert [r.actual_cost for r in reports] == sorted(r.actual_cost for r in reports)
        # escalations appear and are resolved; some need a decision from someone named
        escalations = [item for r in StatusReport.objects.all() for item in r.escalations]
        assert any(item["resolved"] for item in escalations)
        assert {item["decision_from"] for item in escalations if item["decision_needed"]} >= {"Sponsor", "CFO"}
        assert all(item["decision_from"] for item in escalations if item["decision_needed"])


def test_stored_figures_are_what_the_evm_rules_compute(seeded: OrgWorld) -> None:
    organization = seeded.organization
    with seeded.ctx():
        policy = control_policy_get(organization=organization)
        baselines = {(b.project_id, b.version): b for b in Baseline.objects.all()}
        weights = dict(Milestone.objects.values_list("pk", "weight"))
        revisions = list(StatusRevision.objects.select_related("report", "project"))
        assert len(revisions) > 60
        better = 0
        for revision in revisions:
            figures = evm.evm_compute(
                bac=revision.bac,
                pv=revision.pv,
                percent_complete=revision.percent_complete,
                actual_cost=revision.actual_cost,
                baseline_version=revision.baseline_version,
            )
            assert {name: getattr(revision, name) for name in figures.as_fields()} == figures.as_fields()
            # PV is the plan curve of the baseline the figures name, as of the week's status date
            baseline = baselines[(revision.project_id, revision.baseline_version)]
            curve = evm.plan_curve_of(baseline=baseline, project=revision.project, weights=weights)
            assert revision.bac == baseline.budget
            assert revision.pv == curve.pv(status_date(policy=policy, week_start=revision.report.week_start))
            slip = next(x["value"] for x in revision.suggested_reasons if x["factor"] == "slip")
            suggestion = evm.suggest_rag(
                policy=policy,
                spi=revision.spi,
                cpi=revision.cpi,
                max_slip_days=slip,
                open_escalations=evm.open_escalation_count(revision.escalations),
            )
            assert (revision.suggested_rag, revision.suggested_reasons) == (suggestion.rag, suggestion.reasons)
            if evm.is_better(revision.rag_overall, revision.suggested_rag):
                better += 1
                assert revision.rag_justification.strip()
        assert better >= 1


def test_each_submission_is_a_frozen_revision(seeded: OrgWorld) -> None:
    with seeded.ctx():
        reports = list(StatusReport.objects.prefetch_related("revisions"))
        for report in reports:
            numbers = [r.number for r in report.revisions.all()]
            assert numbers == list(range(1, report.revision + 1)), report
            assert (report.state == "draft") == (report.revision == 0)
            if numbers:
                latest = report.revisions.all()[len(numbers) - 1]
                for name in (*STATUS_CONTENT_FIELDS, *EVM_FIGURE_FIELDS):
                    assert getattr(latest, name) == getattr(report, name), (report, name)
                assert latest.submitted_at == report.submitted_at
                assert report.revisions.all()[0].submitted_at == report.first_submitted_at
        resubmitted = [r for r in reports if r.revision == 2]
        assert len(resubmitted) >= 2
        assert all(r.state == "accepted" and r.review_comment for r in resubmitted)
        # a revision cannot be changed: the database refuses, and it stays as it was
        revision = StatusRevision.objects.order_by("pk").first()
        assert revision is not None
        with pytest.raises(DatabaseError), transaction.atomic():
            StatusRevision.objects.filter(pk=revision.pk).update(percent_complete=99, summary="rewritten")
        revision_after = StatusRevision.objects.get(pk=revision.pk)
        assert (revision_after.percent_complete, revision_after.summary) == (
            revision.percent_complete,
            revision.summary,
        )


def test_the_current_week_shows_every_state(seeded: OrgWorld) -> None:
    with seeded.ctx():
        current = current_week_start(organization=seeded.organization)
        running = demo_projects(seeded, "active", "on_hold")
        this_week = {r.project.code: r for r in StatusReport.objects.filter(week_start=current, project__in=running)}
        assert {r.state for r in this_week.values()} >= {"submitted", "returned", "draft"}
        missing = [p.code for p in running if p.code not in this_week]
        assert missing
        assert any(p.status == "active" for p in running if p.code in missing)
        returned = next(r for r in this_week.values() if r.state == "returned")
        assert returned.review_comment and returned.reviewed_by_id == seeded.users[Role.PMO].pk
        assert returned.revision == 1
        draft = next(r for r in this_week.values() if r.state == "draft")
        assert draft.revision == 0 and draft.suggested_rag == "" and draft.pv is None
        # the previous week is there for every running project (the meeting compares the two weeks)
        previous = current - dt.timedelta(weeks=1)
        assert StatusReport.objects.filter(week_start=previous, project__in=running).count() == len(running)


@pytest.mark.parametrize("pmo_type", [Organization.PmoType.CONTROLLING, Organization.PmoType.DIRECTIVE])
def test_change_requests_in_every_state_and_approvals_make_baselines(org_a: OrgWorld, pmo_type: str) -> None:
    seed_world(org_a, pmo_type=pmo_type)
    manager, pmo, executive = (org_a.users[r] for r in (Role.MANAGER, Role.PMO, Role.EXECUTIVE))
    now = timezone.now()
    with org_a.ctx():
        changes = list(ChangeRequest.objects.select_related("baseline", "project").prefetch_related("approvals"))
        assert {c.status for c in changes} == set(ChangeRequest.Status.values)
        assert len({c.project_id for c in changes}) >= 3
        per_project = Counter(c.project_id for c in changes)
        for project_id, count in per_project.items():
            numbers = sorted(c.number for c in changes if c.project_id == project_id)
            assert numbers == list(range(1, count + 1))
        for change in changes:
            assert change.raised_by_id == manager.pk and change.raised_at <= now
            signatures = list(change.approvals.all())
            assert all(a.decided_by_id != change.raised_by_id and a.decided_at <= now for a in signatures)
            assert all(a.decided_by_id == (pmo.pk if a.step == "pmo" else executive.pk) for a in signatures)
            if change.status in ("assessed", "approved", "rejected"):
                assert change.assessed_by_id == pmo.pk and change.assessment
                if pmo_type == Organization.PmoType.DIRECTIVE:
                    assert change.approvals_required == ["pmo", "executive"]
            if change.status == "assessed":
                assert change.approvals_required == ["pmo", "executive"]
                assert [(a.step, a.decision) for a in signatures] == [("pmo", "approved")]
            if change.status == "rejected":
                assert change.decision_note and signatures[-1].decision == "rejected"
            if change.status == "withdrawn":
                assert change.decided_by_id == manager.pk
            if change.status in ("draft", "submitted", "withdrawn"):
                assert not signatures and change.baseline is None
        approved = [c for c in changes if c.status == "approved"]
        assert len(approved) >= 2
        assert len({c.baseline.approved_at.strftime("%Y-%m") for c in approved}) >= 2
        assert len({c.baseline.reason_category for c in approved}) >= 2
        if pmo_type == Organization.PmoType.CONTROLLING:
            assert ["pmo"] in [c.approvals_required for c in approved]
        for change in approved:
            baseline = change.baseline
            assert [a.step for a in change.approvals.all()] == change.approvals_required
            assert all(a.decision == "approved" for a in change.approvals.all())
            assert baseline.change_request_id == change.pk and baseline.approved_at == change.decided_at
            previous = Baseline.objects.get(project=change.project, version=baseline.version - 1)
            assert baseline.budget == previous.budget + change.cost_delta
            assert baseline.finish_date == previous.finish_date + dt.timedelta(days=change.finish_delta_days)
            assert baseline.reason.startswith(change.code) and baseline.reason_category == change.change_type
            assert baseline.approved_at < now
            latest = Baseline.objects.filter(project=change.project).order_by("-version").first()
            project = Project.objects.get(pk=change.project_id)
            assert latest is not None
            assert (project.budget_at_completion, project.planned_finish) == (latest.budget, latest.finish_date)


def test_a_second_run_changes_nothing(seeded: OrgWorld) -> None:
    first = snapshot(seeded)
    demo = DemoContext(organization=seeded.organization, users=seeded.users, language="en")
    with seeded.ctx():
        projects_seed.seed_demo(demo)
        monitoring_seed.seed_demo(demo)
    assert snapshot(seeded) == first
    assert len(first["reports"]) > 50 and len(first["changes"]) >= 7


@pytest.mark.django_db(transaction=True)
def test_seed_demo_is_quick_idempotent_and_speaks_each_organisations_language() -> None:
    started = time.monotonic()
    call_command("seed_demo", stdout=StringIO())
    first_run = time.monotonic() - started
    organizations = {o.slug: o for o in Organization.objects.filter(slug__in=["acme", "globex"])}

    def counts() -> dict[str, tuple[int, ...]]:
        result: dict[str, tuple[int, ...]] = {}
        for slug, organization in organizations.items():
            with tenant_context(organization):
                result[slug] = (
                    StatusReport.objects.count(),
                    StatusRevision.objects.count(),
                    ChangeRequest.objects.count(),
                    ChangeApproval.objects.count(),
                    Baseline.objects.count(),
                )
        return result

    before = counts()
    call_command("seed_demo", stdout=StringIO())

    assert first_run < 45, first_run
    assert counts() == before
    with tenant_context(organizations["acme"]):
        report = StatusReport.objects.filter(project__code="ACME-001").exclude(state="draft").latest("week_start")
        assert report.summary.isascii() and "CFO" in {e["decision_from"] for e in report.escalations}
        assert ChangeRequest.objects.filter(status="approved").count() >= 2
    with tenant_context(organizations["globex"]):
        report = StatusReport.objects.filter(project__code="GX-001").exclude(state="draft").latest("week_start")
        assert "计划" in report.summary and "财务总监" in {e["decision_from"] for e in report.escalations}
        approved = ChangeRequest.objects.filter(status="approved")
        assert approved.count() >= 2
        assert all(c.approvals_required == ["pmo", "executive"] for c in approved)
        assert ChangeRequest.objects.get(project__code="GX-002", number=1).title == "供应商协同门户"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_pmo_sees_the_seeded_history_in_the_browser(live_server: Any, org_a: OrgWorld, page: Any) -> None:
    from tests.test_browser import log_in

    seed_world(org_a)
    with org_a.ctx():
        slipping = Project.objects.get(code="GX-001")
    base, slug = live_server.url, org_a.slug
    log_in(page, base, org_a.users[Role.PMO].email)
    page.wait_for_url(f"{base}/o/{slug}/")

    page.goto(f"{base}/o/{slug}/status/")
    listing = page.locator("main").inner_text()
    assert "GX-001" in listing and "GX-002" in listing
    page.screenshot(path="/tmp/seed-status-list.png", full_page=True)  # noqa: S108 - where the brief wants them

    page.goto(f"{base}/o/{slug}/projects/{slipping.pk}/status/")
    text = page.locator("main").inner_text()
    assert "Returned" in text
    page.screenshot(path="/tmp/seed-status-project.png", full_page=True)  # noqa: S108
