"""Report schedules: the defaults installed with an organisation, when a schedule is due (local time of the
organisation), one report per period however often (and however concurrently) the dispatcher runs, and editing
a schedule (who, bad values, stale version)."""

from __future__ import annotations

import datetime as dt
import threading
import time
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

import reports.pdf
from pmo.tenancy.context import tenant_context
from reports.models import Report, ReportSchedule
from reports.packs import schedules
from reports.packs.services import ReportScheduleStale
from reports.packs.tasks import dispatch_organization, dispatch_scheduled
from tests.conftest import OrgWorld, build_world
from tests.factories_packs import FakeRenderer

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
# Monday 2025-11-24 (ISO week 2025-W48) and Monday 2025-12-01, local times of Asia/Shanghai.
MONDAY = dt.date(2025, 11, 24)
FIRST_OF_DECEMBER = dt.date(2025, 12, 1)


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=SHANGHAI)


def install(world: OrgWorld) -> dict[str, ReportSchedule]:
    with world.ctx():
        schedules.report_schedules_install_defaults(organization=world.organization)
        return {s.kind: s for s in ReportSchedule.objects.all()}


def dispatch(world: OrgWorld, now: dt.datetime) -> list[tuple[str, str]]:
    with world.ctx():
        requested = schedules.report_schedules_dispatch(organization=world.organization, now=now)
    return [(report.kind, report.period) for report in requested]


@pytest.fixture
def renderer(monkeypatch: pytest.MonkeyPatch) -> FakeRenderer:
    fake = FakeRenderer()
    monkeypatch.setattr(reports.pdf, "render_report", fake)
    return fake


@pytest.mark.django_db
def test_defaults_are_installed_once(org_a: OrgWorld) -> None:
    first = install(org_a)
    again = install(org_a)
    assert {k: (s.enabled, s.weekday, s.day_of_month, s.time) for k, s in again.items()} == {
        "weekly_pack": (True, 0, 1, dt.time(8, 0)),
        "monthly_review": (True, 0, 1, dt.time(8, 0)),
    }
    assert {s.pk for s in first.values()} == {s.pk for s in again.values()}


@pytest.mark.django_db
def test_a_schedule_produces_the_period_that_ended_once_at_its_local_time(org_a: OrgWorld) -> None:
    install(org_a)
    # The monthly review has been due since the 1st (it catches up); the weekly pack is due at 08:00 Shanghai.
    assert dispatch(org_a, at(MONDAY, 7, 59)) == [("monthly_review", "2025-10")]
    assert dispatch(org_a, at(MONDAY, 8, 0)) == [("weekly_pack", "2025-W47")]
    assert dispatch(org_a, at(MONDAY, 8, 15)) == []  # already produced
    assert dispatch(org_a, at(MONDAY + dt.timedelta(days=3), 9)) == []
    with org_a.ctx():
        report = Report.objects.get(kind="weekly_pack")
        weekly = ReportSchedule.objects.get(kind="weekly_pack")
        assert Report.objects.count() == 2
    assert (report.trigger, report.requested_by, report.generation) == ("schedule", None, 1)
    assert weekly.last_period == "2025-W47"
    # The 1st of the month: last month's review, and the weekly pack of the week that has just ended.
    assert sorted(dispatch(org_a, at(FIRST_OF_DECEMBER, 8, 30))) == [
        ("monthly_review", "2025-11"),
        ("weekly_pack", "2025-W48"),
    ]


@pytest.mark.django_db
def test_disabled_or_moved_schedules(org_a: OrgWorld) -> None:
    found = install(org_a)
    with org_a.ctx():
        schedules.report_schedule_update(
            organization=org_a.organization, actor=org_a.users["pmo"], schedule=found["weekly_pack"], enabled=False
        )
        schedules.report_schedule_update(
            organization=org_a.organization,
            actor=org_a.users["pmo"],
            schedule=found["monthly_review"],
            day_of_month=3,
            time=dt.time(18, 30),
        )
    assert dispatch(org_a, at(dt.date(2025, 12, 3), 18, 29)) == []
    assert dispatch(org_a, at(dt.date(2025, 12, 3), 18, 30)) == [("monthly_review", "2025-11")]


@pytest.mark.django_db
def test_editing_a_schedule(org_a: OrgWorld, org_b: OrgWorld) -> None:
    weekly = install(org_a)["weekly_pack"]

    def update(role: str = "pmo", world: OrgWorld = org_a, **values: Any) -> ReportSchedule:
        with org_a.ctx():
            return schedules.report_schedule_update(
                organization=org_a.organization, actor=world.users[role], schedule=weekly, **values
            )

    for role in ("executive", "manager", "member", "viewer"):
        with pytest.raises(PermissionDenied):
            update(role, weekday=2)
    with pytest.raises(PermissionDenied):
        update("admin", world=org_b, weekday=2)  # not a member of alpha
    for values, field in (
        ({"weekday": 7}, "weekday"),
        ({"day_of_month": 29}, "day_of_month"),
        ({"last_period": "x"}, "last_period"),
    ):
        with pytest.raises(ValidationError) as refused:
            update(**values)
        assert field in refused.value.message_dict
    with org_a.ctx():
        assert ReportSchedule.objects.get(pk=weekly.pk).version == 1
    changed = update(weekday=4, time=dt.time(17, 0), version=1)
    assert (changed.weekday, changed.time, changed.version) == (4, dt.time(17, 0), 2)
    with pytest.raises(ReportScheduleStale):
        update(weekday=1, version=1)
    with org_a.ctx():
        assert ReportSchedule.objects.get(pk=weekly.pk).weekday == 4


@pytest.mark.django_db
def test_the_beat_task_fans_out_to_each_active_organisation(
    org_a: OrgWorld, org_b: OrgWorld, renderer: FakeRenderer
) -> None:
    install(org_a)
    org_b.organization.is_active = False
    org_b.organization.save(update_fields=["is_active"])
    with org_b.ctx():
        schedules.report_schedules_install_defaults(organization=org_b.organization)
    assert dispatch_scheduled.apply().get() >= 1
    # Each schedule was due at the real "now" for the period that ended last: both packs, by the schedule.
    with org_a.ctx():
        produced = sorted(Report.objects.values_list("kind", "trigger"))
    assert produced == [("monthly_review", "schedule"), ("weekly_pack", "schedule")]
    with org_b.ctx():
        assert not Report.objects.exists()  # an inactive organisation is skipped
    assert dispatch_organization.apply(kwargs={"organization_id": org_a.organization.pk}).get() == []


@pytest.mark.django_db(transaction=True)
def test_two_dispatchers_at_once_produce_one_report_and_one_render_per_period(
    renderer: FakeRenderer, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = build_world("beats")
    install(world)
    request = schedules.report_request

    def slow_request(**kwargs: Any) -> Report:
        # Hold the schedule's lock a while, so the other dispatcher surely arrives while it is held.
        report = request(**kwargs)
        time.sleep(0.5)
        return report

    monkeypatch.setattr(schedules, "report_request", slow_request)
    barrier = threading.Barrier(2)
    results: list[list[int]] = []
    errors: list[BaseException] = []

    def beat() -> None:
        try:
            barrier.wait()
            with tenant_context(world.organization):
                requested = schedules.report_schedules_dispatch(organization=world.organization, now=at(MONDAY, 8, 5))
            results.append([report.pk for report in requested])
        except BaseException as exc:  # handed to the test thread below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=beat) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert sorted(len(ids) for ids in results) == [0, 2]
    with world.ctx():
        reports = list(Report.objects.all())
    assert sorted((r.kind, r.period, r.generation, r.state) for r in reports) == [
        ("monthly_review", "2025-10", 1, "ready"),
        ("weekly_pack", "2025-W47", 1, "ready"),
    ]
    assert len(renderer.calls) == 2
