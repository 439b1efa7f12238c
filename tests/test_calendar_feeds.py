"""Calendar feeds (issue 8): a per-user secret ``.ics`` address that a calendar application polls without a session.

The feed is read by the ``icalendar`` parser, as a calendar application would: the expected milestones, gates and
weekly status due dates, with stable UIDs, all-day dates and the organisation's time zone; only what its owner may
see now; 404 alike for a reset, tampered, foreign or malformed token, an inactive user and one who left; and a
constant number of queries whatever the number of projects and milestones.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any, cast

import icalendar
import pytest
from django.test import Client
from django.utils import timezone, translation

from pmo.calendars import services
from pmo.calendars.models import CalendarFeed
from pmo.tenancy.models import Membership
from projects.models import GateReview, Milestone, Project
from projects.policy import control_policy_get, current_week_start, week_label
from tests.conftest import OrgWorld
from tests.factories import ProjectFactory
from tests.factories_projects import MilestoneFactory, lifecycle_project

HOST = "127.0.0.1"


def today_plus(days: int) -> str:
    return (timezone.localdate() + dt.timedelta(days=days)).isoformat()


def feed_of(world: OrgWorld, role: str, *, scope: str = CalendarFeed.Scope.MINE) -> CalendarFeed:
    with world.ctx():
        services.calendar_feed_get_or_create(organization=world.organization, user=world.users[role])
        return services.calendar_feed_set_scope(organization=world.organization, user=world.users[role], scope=scope)


def feed_path(feed: CalendarFeed) -> str:
    return f"/feeds/{services.calendar_feed_token(feed)}.ics"


def fetch(path: str, **headers: Any) -> Any:
    return Client().get(path, **headers)


def parse(response: Any) -> icalendar.Calendar:
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return icalendar.Calendar.from_ical(response.content)


def events_by_uid(calendar: icalendar.Calendar) -> dict[str, Any]:
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


def feed_rows(world: OrgWorld) -> list[tuple[Any, ...]]:
    with world.ctx():
        return list(
            CalendarFeed.objects.order_by("pk").values_list("pk", "user_id", "scope", "nonce", "last_fetched_at")
        )


@pytest.fixture
def dated(org_a: OrgWorld) -> dict[str, Milestone]:
    """A milestone on each of the world's three projects: [0] the manager's (the member reads it), [1] shared with
    the viewer, [2] granted to nobody."""
    today = timezone.localdate()
    with org_a.ctx():
        milestones = {
            "managed": MilestoneFactory(
                organization=org_a.organization,
                project=org_a.projects[0],
                name="Go-live",
                baseline_date=today + dt.timedelta(days=10),
                forecast_date=today + dt.timedelta(days=14),
            ),
            "shared": MilestoneFactory(
                organization=org_a.organization,
                project=org_a.projects[1],
                name="Pilot",
                baseline_date=today + dt.timedelta(days=20),
            ),
            "hidden": MilestoneFactory(
                organization=org_a.organization,
                project=org_a.projects[2],
                name="Secret launch",
                forecast_date=today + dt.timedelta(days=5),
            ),
        }
        return cast(dict[str, Milestone], milestones)


def test_the_parser_reads_the_feed_with_milestones_gates_and_status_due_dates(
    org_a: OrgWorld, dated: dict[str, Milestone]
) -> None:
    project = lifecycle_project(org_a, kind="ipd", code="IPD-1")
    with org_a.ctx():
        gates = list(GateReview.objects.filter(project=project, planned_date__isnull=False).order_by("pk"))
        policy = control_policy_get(organization=org_a.organization)
    feed = feed_of(org_a, "manager")
    response = fetch(feed_path(feed))
    calendar = parse(response)

    assert "private" in response["Cache-Control"] and "max-age=" in response["Cache-Control"]
    assert response["ETag"]
    assert str(calendar["X-WR-CALNAME"]) == f"PMO · {org_a.organization.name}"
    assert str(calendar["X-WR-TIMEZONE"]) == org_a.organization.time_zone
    assert str(calendar["PRODID"]) == "-//PMO//Calendar feed//EN"
    assert b"\r\nX-PUBLISHED-TTL:PT1H\r\n" in response.content  # an RFC 5545 duration, as Outlook reads it
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == [org_a.organization.time_zone]
    events = events_by_uid(calendar)

    managed = events[f"milestone-{dated['managed'].pk}@{HOST}"]
    assert str(managed["SUMMARY"]) == f"[{org_a.projects[0].code}] Go-live"
    assert managed.start == dated["managed"].forecast_date  # all-day, on the forecast date
    assert not isinstance(managed.start, dt.datetime)
    assert managed.end == dated["managed"].forecast_date + dt.timedelta(days=1)
    description = str(managed["DESCRIPTION"])
    assert f"Project: [{org_a.projects[0].code}] {org_a.projects[0].name}" in description
    assert f"Baseline date: {today_plus(10)}" in description
    assert "Late by 4 days" in description
    assert f"/o/{org_a.slug}/projects/{org_a.projects[0].pk}/milestones/" in str(managed["URL"])
    assert managed["DTSTAMP"]

    # Neither the viewer's shared project (not the manager's) nor the project granted to nobody.
    assert f"milestone-{dated['shared'].pk}@{HOST}" not in events
    assert f"milestone-{dated['hidden'].pk}@{HOST}" not in events

    # Gates of the IPD project the manager runs: TRs and DCPs on their planned dates.
    assert gates, "the IPD template plans its gates"
    for gate in gates:
        event = events[f"gate-{gate.pk}@{HOST}"]
        assert str(event["SUMMARY"]) == f"[IPD-1] {gate.code} {gate.name}"
        assert event.start == gate.planned_date
        assert gate.get_kind_display() in str(event["DESCRIPTION"])
    assert {gate.kind for gate in gates} >= {"tr", "dcp"}

    # Weekly status: this week and the next seven, ending at the policy's due time in the organisation's zone.
    zone = zoneinfo.ZoneInfo(org_a.organization.time_zone)
    first = current_week_start(organization=org_a.organization)
    status = sorted(
        (event for uid, event in events.items() if uid.startswith("status-due-")), key=lambda event: event.start
    )
    assert len(status) == 8
    for number, event in enumerate(status):
        week = first + dt.timedelta(weeks=number)
        due = dt.datetime.combine(week + dt.timedelta(days=policy.status_due_weekday), policy.status_due_time, zone)
        assert event.end == due
        assert event.end.utcoffset() == due.utcoffset()
        assert str(event["UID"]).endswith(f"-{week_label(week)}@{HOST}")
        # Both the project the manager runs from the fixture and the IPD project report weekly.
        assert "(2 projects)" in str(event["SUMMARY"])
        assert f"[{org_a.projects[0].code}]" in str(event["DESCRIPTION"])


def test_uids_are_stable_and_a_second_fetch_with_the_etag_is_304(org_a: OrgWorld, dated: dict[str, Milestone]) -> None:
    path = feed_path(feed_of(org_a, "manager"))
    first, second = fetch(path), fetch(path)
    assert set(events_by_uid(parse(first))) == set(events_by_uid(parse(second)))
    assert first["ETag"] == second["ETag"]
    assert fetch(path, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    with org_a.ctx():
        Milestone.objects.filter(pk=dated["managed"].pk).update(forecast_date=timezone.localdate())
    changed = fetch(path, HTTP_IF_NONE_MATCH=first["ETag"])
    assert changed.status_code == 200
    assert events_by_uid(parse(changed))[f"milestone-{dated['managed'].pk}@{HOST}"].start == timezone.localdate()


@pytest.mark.parametrize(
    ("role", "scope", "expected"),
    [
        # Leadership sees every project, but "my projects" are those they run, sponsor or were given by name.
        ("executive", "mine", set()),
        ("executive", "all", {"managed", "shared", "hidden"}),
        ("pmo", "all", {"managed", "shared", "hidden"}),
        ("manager", "all", {"managed"}),
        ("member", "mine", {"managed"}),
        # A viewer sees only the projects shared with them, whatever the scope.
        ("viewer", "mine", {"shared"}),
        ("viewer", "all", {"shared"}),
    ],
)
def test_the_feed_shows_what_its_owner_may_see_now(
    org_a: OrgWorld, dated: dict[str, Milestone], role: str, scope: str, expected: set[str]
) -> None:
    path = feed_path(feed_of(org_a, role, scope=scope))
    events = events_by_uid(parse(fetch(path)))
    shown = {key for key, milestone in dated.items() if f"milestone-{milestone.pk}@{HOST}" in events}
    assert shown == expected
    assert not any(uid.startswith("status-due-") for uid in events) or role == "manager"


def test_a_share_withdrawn_disappears_from_the_feed_at_the_next_fetch(
    org_a: OrgWorld, dated: dict[str, Milestone]
) -> None:
    from pmo.tenancy.permissions import object_permissions_revoke
    from projects import permissions as project_permissions

    path = feed_path(feed_of(org_a, "viewer"))
    assert f"milestone-{dated['shared'].pk}@{HOST}" in events_by_uid(parse(fetch(path)))
    with org_a.ctx():
        object_permissions_revoke(
            organization=org_a.organization,
            obj=org_a.projects[1],
            user=org_a.users["viewer"],
            codenames=[project_permissions.VIEW_CODENAME],
        )
    assert f"milestone-{dated['shared'].pk}@{HOST}" not in events_by_uid(parse(fetch(path)))


def test_reset_turns_the_old_address_into_a_404(org_a: OrgWorld, dated: dict[str, Milestone]) -> None:
    feed = feed_of(org_a, "manager")
    old = feed_path(feed)
    assert fetch(old).status_code == 200
    with org_a.ctx():
        fresh = services.calendar_feed_reset(organization=org_a.organization, user=org_a.users["manager"])
    assert fresh.pk == feed.pk and fresh.nonce != feed.nonce and fresh.reset_at is not None
    assert fetch(old).status_code == 404
    assert parse(fetch(feed_path(fresh)))


def test_tokens_that_open_no_feed_are_404_and_change_nothing(
    org_a: OrgWorld, org_b: OrgWorld, dated: dict[str, Milestone]
) -> None:
    mine, theirs = feed_of(org_a, "manager"), feed_of(org_b, "manager")
    before_a, before_b = feed_rows(org_a), feed_rows(org_b)
    good = services.calendar_feed_token(mine)
    org_id, feed_id, mac = good.split(".")
    other_mac = services.calendar_feed_token(theirs).split(".")[2]
    for token in [
        f"{org_b.organization.pk}.{feed_id}.{mac}",  # my feed id under the other organisation
        f"{org_id}.{theirs.pk}.{other_mac}",  # their feed id and mac under my organisation
        f"{org_id}.{feed_id}.{other_mac}",  # someone else's mac
        f"{org_id}.{feed_id}.{mac[:-1]}{'A' if mac[-1] != 'A' else 'B'}",  # one character off
        f"{org_id}.{feed_id}",
        "not-a-token",
        f"99999999.{feed_id}.{mac}",
    ]:
        assert fetch(f"/feeds/{token}.ics").status_code == 404, token
    assert feed_rows(org_a) == before_a and feed_rows(org_b) == before_b


def test_an_inactive_user_or_one_who_left_gets_404(org_a: OrgWorld, dated: dict[str, Milestone]) -> None:
    member = feed_path(feed_of(org_a, "member"))
    viewer = feed_path(feed_of(org_a, "viewer"))
    assert fetch(member).status_code == 200 and fetch(viewer).status_code == 200
    user = org_a.users["member"]
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert fetch(member).status_code == 404
    with org_a.ctx():
        Membership.objects.filter(user=org_a.users["viewer"]).delete()
    assert fetch(viewer).status_code == 404


def test_an_inactive_organisation_answers_404(org_a: OrgWorld, dated: dict[str, Milestone]) -> None:
    path = feed_path(feed_of(org_a, "manager"))
    type(org_a.organization).objects.filter(pk=org_a.organization.pk).update(is_active=False)
    assert fetch(path).status_code == 404


def test_the_feed_speaks_its_owners_language(org_a: OrgWorld, dated: dict[str, Milestone]) -> None:
    user = org_a.users["manager"]
    user.language = "zh-hans"
    user.save(update_fields=["language"])
    events = events_by_uid(parse(fetch(feed_path(feed_of(org_a, "manager")))))
    with translation.override("zh-hans"):
        label = translation.gettext("Project")
    assert label != "Project"
    assert str(events[f"milestone-{dated['managed'].pk}@{HOST}"]["DESCRIPTION"]).startswith(label)


def test_the_fetch_is_recorded(org_a: OrgWorld, dated: dict[str, Milestone]) -> None:
    feed = feed_of(org_a, "manager")
    assert feed.last_fetched_at is None
    fetch(feed_path(feed))
    with org_a.ctx():
        assert CalendarFeed.objects.get(pk=feed.pk).last_fetched_at is not None


def _populate(world: OrgWorld, size: int) -> None:
    """``size`` more projects run by the manager, each with two milestones."""
    today = timezone.localdate()
    from pmo.tenancy.permissions import object_permissions_grant
    from projects import permissions as project_permissions

    with world.ctx():
        for number in range(size):
            project = ProjectFactory(
                organization=world.organization,
                code=f"SIZE-{size}-{number}",
                manager=world.users["manager"],
                status=Project.Status.ACTIVE,
            )
            object_permissions_grant(
                organization=world.organization,
                obj=project,
                user=world.users["manager"],
                codenames=[project_permissions.VIEW_CODENAME],
            )
            for offset in (3, 30):
                MilestoneFactory(
                    organization=world.organization,
                    project=project,
                    forecast_date=today + dt.timedelta(days=offset + number),
                )


@pytest.mark.parametrize("size", [2, 30])
def test_the_query_count_does_not_grow_with_the_projects(
    org_a: OrgWorld, django_assert_max_num_queries: Any, size: int
) -> None:
    _populate(org_a, size)
    lifecycle_project(org_a, kind="ipd", code="IPD-Q")
    path = feed_path(feed_of(org_a, "manager", scope=CalendarFeed.Scope.ALL))
    fetch(path)  # the first fetch creates the organisation's control policy (its defaults)
    # Organisation, tenant, feed, user, membership, the fetch time, milestones, gates, the managed projects,
    # the policy, their status reports, and the savepoints of the request.
    with django_assert_max_num_queries(13):
        response = fetch(path)
    events = events_by_uid(parse(response))
    assert sum(uid.startswith("milestone-") for uid in events) >= 2 * size
