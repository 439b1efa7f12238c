"""Weekly status services: the workflow draft → submitted → returned → resubmitted → accepted, pre-fill from the
week before, one report per week (409, nothing changed), stale versions (409, nothing lost), the justification
of an overall RAG better than the suggested one, immutable revisions, and late / missing reports against a fixed
due time in the organisation's time zone."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import InternalError, ProgrammingError, transaction

from pmo.tenancy.models import Organization
from projects.models import Project, StatusReport, StatusRevision
from projects.policy import control_policy_get, control_policy_update, week_label
from projects.services import ProjectReadOnly
from projects.status import selectors, services
from projects.status.services import StatusReportExists, StatusStale
from tests.conftest import OrgWorld
from tests.factories_projects import lifecycle_project

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
MONDAY = dt.date(2026, 3, 2)  # ISO week 2026-W10


def local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=SHANGHAI)


def report_rows(world: OrgWorld) -> dict[str, Any]:
    with world.ctx():
        return {
            "reports": list(StatusReport.objects.order_by("pk").values()),
            "revisions": list(StatusRevision.objects.order_by("pk").values()),
        }


def start(world: OrgWorld, project: Project, **kwargs: Any) -> StatusReport:
    with world.ctx():
        return services.status_report_start(
            organization=world.organization, actor=world.users["manager"], project=project, **kwargs
        )


def save(world: OrgWorld, report: StatusReport, **fields: Any) -> StatusReport:
    with world.ctx():
        report.refresh_from_db()
        return services.status_report_save(
            organization=world.organization,
            actor=world.users["manager"],
            report=report,
            version=fields.pop("version", report.version),
            **fields,
        )


def submit(world: OrgWorld, report: StatusReport, **kwargs: Any) -> StatusReport:
    with world.ctx():
        return services.status_report_submit(
            organization=world.organization, actor=world.users["manager"], report=report, **kwargs
        )


GREEN_FIGURES = {"percent_complete": Decimal(100), "actual_cost": Decimal(1)}
RED_FIGURES = {"percent_complete": Decimal(0), "actual_cost": Decimal(5000)}


@pytest.fixture
def project(org_a: OrgWorld) -> Project:
    return lifecycle_project(org_a)


def test_the_whole_workflow_keeps_every_revision(org_a: OrgWorld, project: Project) -> None:
    org, pmo = org_a.organization, org_a.users["pmo"]
    report = start(org_a, project)
    assert report.state == "draft" and report.revision == 0 and report.version == 1
    report = save(org_a, report, summary="Going well.", **GREEN_FIGURES)
    report = submit(org_a, report, version=report.version)
    assert (report.state, report.revision) == ("submitted", 1)
    assert report.suggested_rag == "green" and report.spi is not None and report.cpi is not None
    assert report.ev == Decimal("100000.00") and report.ac == Decimal("1.00")
    first_submitted = report.first_submitted_at
    with org_a.ctx():
        with pytest.raises(ValidationError) as refused:
            services.status_report_return(organization=org, actor=pmo, report=report, comment="  ")
        assert "comment" in refused.value.message_dict
        report = services.status_report_return(
            organization=org, actor=pmo, report=report, comment="Add the supplier risk."
        )
    assert (report.state, report.review_comment, report.reviewed_by) == ("returned", "Add the supplier risk.", pmo)
    report = save(
        org_a,
        report,
        escalations=[{"title": "Supplier late", "decision_needed": True, "decision_from": "Sponsor"}],
        rag_overall="amber",
    )
    report = submit(org_a, report)
    assert (report.state, report.revision) == ("submitted", 2)
    assert report.first_submitted_at == first_submitted  # lateness counts from the first submission
    with org_a.ctx():
        report = services.status_report_accept(organization=org, actor=pmo, report=report, note="Thanks.")
        assert report.state == "accepted"
        report = services.status_report_amend(organization=org, actor=org_a.users["manager"], report=report)
        assert report.state == "draft"
    report = save(org_a, report, summary="Corrected.")
    report = submit(org_a, report)
    with org_a.ctx():
        revisions = list(StatusRevision.objects.filter(report=report).order_by("number"))
    assert [r.number for r in revisions] == [1, 2, 3]
    assert [r.summary for r in revisions] == ["Going well.", "Going well.", "Corrected."]
    assert revisions[0].escalations == [] and revisions[1].escalations[0]["decision_from"] == "Sponsor"
    assert revisions[1].rag_overall == "amber" and revisions[1].suggested_rag == "amber"  # one open escalation


def test_a_new_week_opens_prefilled_from_the_week_before(org_a: OrgWorld, project: Project) -> None:
    at = local(MONDAY + dt.timedelta(days=7), 9)
    last = start(org_a, project, week_start=MONDAY, at=at)
    save(
        org_a,
        last,
        rag_overall="amber",
        rag_cost="red",
        percent_complete=Decimal("42.5"),
        actual_cost=Decimal("1234.56"),
        forecast_finish=dt.date(2026, 12, 1),
        summary="Design done.",
        accomplishments="Old accomplishments.",
        next_steps="Build the prototype.",
        escalations=[
            {"title": "Open one", "detail": "d", "decision_needed": True, "decision_from": "CTO"},
            {"title": "Closed one", "resolved": True},
        ],
    )
    report = start(org_a, project, at=at)
    assert week_label(report.week_start) == "2026-W11"
    assert (report.rag_overall, report.rag_cost, report.rag_schedule) == ("amber", "red", "green")
    assert report.percent_complete == Decimal("42.50") and report.actual_cost == Decimal("1234.56")
    assert report.forecast_finish == dt.date(2026, 12, 1)
    assert report.summary == "Design done."
    assert report.accomplishments == "Build the prototype."  # last week's next steps
    assert report.next_steps == ""
    assert [e["title"] for e in report.escalations] == ["Open one"]
    # Due on Friday 18:00 in the organisation's time zone.
    assert report.due_at == local(MONDAY + dt.timedelta(days=11), 18)


def test_a_second_report_for_the_same_week_is_refused_and_nothing_changes(org_a: OrgWorld, project: Project) -> None:
    start(org_a, project)
    before = report_rows(org_a)
    with pytest.raises(StatusReportExists):
        start(org_a, project)
    assert report_rows(org_a) == before


def test_future_weeks_and_archived_projects_are_refused(org_a: OrgWorld, project: Project) -> None:
    at = local(MONDAY, 10)
    with pytest.raises(ValidationError) as refused:
        start(org_a, project, week_start=MONDAY + dt.timedelta(days=7), at=at)
    assert "week" in refused.value.message_dict
    with org_a.ctx():
        Project.objects.filter(pk=project.pk).update(status=Project.Status.CANCELLED)
    with pytest.raises(ProjectReadOnly):
        start(org_a, project, week_start=MONDAY, at=at)
    assert report_rows(org_a) == {"reports": [], "revisions": []}


def test_a_stale_version_is_refused_and_the_other_edit_survives(org_a: OrgWorld, project: Project) -> None:
    report = start(org_a, project)
    read_version = report.version
    save(org_a, report, summary="The PMO's edit.")
    before = report_rows(org_a)
    with pytest.raises(StatusStale):
        save(org_a, report, version=read_version, summary="The manager's edit.")
    with pytest.raises(StatusStale):
        submit(org_a, report, version=read_version)
    assert report_rows(org_a) == before
    with org_a.ctx():
        assert StatusReport.objects.get(pk=report.pk).summary == "The PMO's edit."


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"rag_overall": "blue"}, {"rag_overall"}),
        ({"percent_complete": Decimal("100.5")}, {"percent_complete"}),
        ({"percent_complete": "lots"}, {"percent_complete"}),
        ({"actual_cost": Decimal(-1)}, {"actual_cost"}),
        ({"forecast_finish": "next year"}, {"forecast_finish"}),
        ({"escalations": [{"title": ""}]}, {"escalations"}),
        ({"escalations": [{"title": "x" * 201}]}, {"escalations"}),
        ({"escalations": [{"title": "Need money", "decision_needed": True}]}, {"escalations"}),
        ({"escalations": [{"title": f"E{i}"} for i in range(21)]}, {"escalations"}),
        ({"escalations": "lots"}, {"escalations"}),
        ({"state": "accepted"}, {"state"}),
        ({"rag_cost": "purple", "percent_complete": -3}, {"rag_cost", "percent_complete"}),
    ],
)
def test_bad_content_is_refused_field_by_field_and_nothing_is_saved(
    org_a: OrgWorld, project: Project, fields: dict[str, Any], errors: set[str]
) -> None:
    report = start(org_a, project)
    before = report_rows(org_a)
    with pytest.raises(ValidationError) as refused:
        save(org_a, report, **fields)
    assert set(refused.value.message_dict) == errors
    assert report_rows(org_a) == before


def test_better_than_suggested_needs_a_reason(org_a: OrgWorld, project: Project) -> None:
    report = start(org_a, project)
    report = save(org_a, report, rag_overall="green", **RED_FIGURES)
    before = report_rows(org_a)
    with pytest.raises(ValidationError) as refused:
        submit(org_a, report)
    assert list(refused.value.message_dict) == ["rag_justification"]
    assert "red" in refused.value.message_dict["rag_justification"][0]
    assert report_rows(org_a) == before
    # Reporting red (as computed) needs no reason; nor does green with one.
    report = submit(org_a, report, rag_justification="The client paid in advance; the plan is intact.")
    assert report.state == "submitted"
    assert report.suggested_rag == "red" and report.spi == Decimal(0) and report.cpi == Decimal(0)
    factors = {reason["factor"]: reason["rag"] for reason in report.suggested_reasons}
    assert factors == {"spi": "red", "cpi": "red", "slip": "green", "escalations": "green"}


def test_reporting_the_suggested_rag_or_worse_needs_no_reason(org_a: OrgWorld, project: Project) -> None:
    report = start(org_a, project)
    report = save(org_a, report, rag_overall="red", **RED_FIGURES)
    assert submit(org_a, report).state == "submitted"


def test_revisions_are_immutable_in_the_database(org_a: OrgWorld, project: Project) -> None:
    report = submit(org_a, save(org_a, start(org_a, project), summary="Frozen.", **GREEN_FIGURES))
    with org_a.ctx():
        revision = StatusRevision.objects.get(report=report)
        with pytest.raises((InternalError, ProgrammingError)), transaction.atomic():
            StatusRevision.objects.filter(pk=revision.pk).update(summary="Rewritten.")
        assert StatusRevision.objects.get(pk=revision.pk).summary == "Frozen."


def test_transitions_outside_their_states_are_refused(org_a: OrgWorld, project: Project) -> None:
    org, pmo = org_a.organization, org_a.users["pmo"]
    report = start(org_a, project)
    with org_a.ctx():
        for call in (
            lambda: services.status_report_accept(organization=org, actor=pmo, report=report),
            lambda: services.status_report_return(organization=org, actor=pmo, report=report, comment="x"),
            lambda: services.status_report_amend(organization=org, actor=pmo, report=report),
        ):
            with pytest.raises(ValidationError):
                call()
    report = submit(org_a, report, **GREEN_FIGURES)
    with pytest.raises(ValidationError):
        save(org_a, report, summary="Editing a submitted report in place.")
    with pytest.raises(ValidationError):
        submit(org_a, report)
    with org_a.ctx():
        assert StatusRevision.objects.filter(report=report).count() == 1


def test_late_and_missing_follow_the_due_time_in_the_organisation_zone(org_a: OrgWorld, project: Project) -> None:
    org = org_a.organization
    Organization.objects.filter(pk=org.pk).update(time_zone="Asia/Shanghai")
    org.refresh_from_db()
    on_time, late = project, lifecycle_project(org_a, code="LC-2")
    lifecycle_project(org_a, code="LC-3")  # never reports
    with org_a.ctx():
        policy = control_policy_get(organization=org)
        control_policy_update(
            organization=org,
            actor=org_a.users["pmo"],
            version=policy.version,
            status_due_weekday=3,
            status_due_time=dt.time(12, 0),
        )
    thursday = MONDAY + dt.timedelta(days=3)
    for project_, at in ((on_time, local(thursday, 11, 59)), (late, local(thursday, 12, 1))):
        report = start(org_a, project_, week_start=MONDAY, at=local(MONDAY, 9))
        submit(org_a, report, at=at, rag_overall="red")
    with org_a.ctx():
        from pmo.tenancy.access import OrgAccess
        from pmo.tenancy.models import Membership

        access = OrgAccess(organization=org, membership=Membership.objects.get(user=org_a.users["pmo"]))
        before_due = selectors.status_compliance(access=access, week_start=MONDAY, now=local(thursday, 11))
        after_due = selectors.status_compliance(access=access, week_start=MONDAY, now=local(thursday, 13))
    due = local(thursday, 12)
    rows = {row.project.code: row for row in after_due.rows}
    assert after_due.due_at == due
    assert (rows["LC-1"].late, rows["LC-1"].missing) == (False, False)
    assert (rows["LC-2"].late, rows["LC-2"].missing) == (True, False)
    assert (rows["LC-3"].late, rows["LC-3"].missing, rows["LC-3"].state) == (True, True, "missing")
    assert not {row.project.code: row for row in before_due.rows}["LC-3"].missing
    counts = after_due.counts
    others = 3  # conftest's active projects, which never report either
    assert (counts["submitted"], counts["late"], counts["missing"], counts["not_started"]) == (
        2,
        2 + others,
        1 + others,
        1 + others,
    )
    assert [row.project.code for row in after_due.queue] == ["LC-1", "LC-2"]
