"""The PMO cockpit and its drill-downs: who may open them (admins and the PMO; 403 for the other roles, 404 for
another organisation's users), what each card shows (one item of each kind in the organisation, and one of another
organisation that must never appear), "send reminders now", the data-quality lists agreeing with their counts
(400 for an unknown check), the exports, and a query count that stays the same at 3 and 30 projects."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zoneinfo
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from portfolio.models import ProjectRequest
from projects.models import (
    Baseline,
    ChangeRequest,
    GateReview,
    Project,
    ProjectPhase,
    StatusReport,
    TailoringRequest,
)
from projects.policy import control_policy_get, current_week_start, status_due_at, week_label
from reports.cockpit.selectors import people_over_capacity
from reports.models import Alert, Notification, NotificationKind, SubjectType
from resources.models import Allocation, Person, TimeOff
from risks.models import Risk
from tests.conftest import ROLES, OrgWorld
from tests.factories import PASSWORD, ProjectFactory, UserFactory
from tests.factories_alerts import only_rule
from tests.factories_portfolio import RequestFactory
from tests.factories_reminders import set_policy

pytestmark = pytest.mark.django_db

ALLOWED = {"admin", "pmo"}
PAGES = ["cockpit/", "cockpit/quality/?check=no_baseline", "cockpit/queue/?queue=gates"]


def client_for(user: Any) -> Client:
    client = Client()
    assert client.login(username=user.email, password=PASSWORD)
    return client


def cockpit_html(world: OrgWorld, role: str = "pmo") -> str:
    response = client_for(world.users[role]).get(f"/o/{world.slug}/cockpit/")
    assert response.status_code == 200
    return response.content.decode()


def section(html: str, testid: str) -> str:
    """The HTML of the element with ``data-testid=testid`` up to the next section (enough for assertions)."""
    start = html.index(f'data-testid="{testid}"')
    end = html.find("</section>", start)
    return html[start:end]


def count_of(html: str, testid: str) -> int:
    match = re.search(rf'data-testid="{testid}" data-count="(\d+)"', html)
    assert match, testid
    return int(match.group(1))


# --- Scenes ----------------------------------------------------------------------------------------------------------


@dataclass
class Scene:
    """One item of every kind per project, named with ``tag`` so a page shows whose it is."""

    tag: str
    projects: list[Project]
    people: list[Person]


def populate(world: OrgWorld, size: int, *, tag: str = "Q") -> Scene:
    """``size`` active projects run by the world's manager, created long ago, each with: a submitted intake request,
    a submitted change request, a gate past its planned date, last week's report returned, a pending tailoring
    request, an open alert, an over-allocated person, a risk escalated to the PMO (stale), a reminder sent about this
    week's report; no baseline and no report this week."""
    now = timezone.now()
    long_ago = now - dt.timedelta(days=90)
    organization = world.organization
    manager = world.users["manager"]
    projects = [
        ProjectFactory(
            organization=organization,
            portfolio=world.projects[0].portfolio,
            code=f"{tag}-{index:03d}",
            name=f"{tag} project {index}",
            manager=manager,
            created_at=long_ago,
        )
        for index in range(size)
    ]
    rule = only_rule(world, "spi", "lt", "0.9")
    with world.ctx():
        policy = control_policy_get(organization=organization)
        this_week = current_week_start(organization=organization, now=now)
        last_week = this_week - dt.timedelta(days=7)
        people = []
        for index, project in enumerate(projects):
            RequestFactory(
                organization=organization,
                title=f"{tag} intake {index}",
                sponsor=world.users["executive"],
                status=ProjectRequest.Status.SUBMITTED,
                submitted_at=now - dt.timedelta(days=4),
            )
            ChangeRequest.objects.create(
                organization=organization,
                project=project,
                number=1,
                title=f"{tag} change {index}",
                change_type="cost",
                description="d",
                justification="j",
                status=ChangeRequest.Status.SUBMITTED,
                raised_by=manager,
                submitted_at=now - dt.timedelta(days=3),
            )
            phase = ProjectPhase.objects.create(organization=organization, project=project, order=1, key="p", name="P")
            GateReview.objects.create(
                organization=organization,
                project=project,
                phase=phase,
                code="G1",
                name=f"{tag} gate {index}",
                # Six days before today in the organisation's time zone, which the page counts in.
                planned_date=timezone.localtime(now, zoneinfo.ZoneInfo(organization.time_zone)).date()
                - dt.timedelta(days=6),
            )
            StatusReport.objects.create(
                organization=organization,
                project=project,
                week_start=last_week,
                due_at=status_due_at(organization=organization, policy=policy, week_start=last_week),
                state=StatusReport.State.RETURNED,
                revision=1,
                first_submitted_at=now - dt.timedelta(days=5),
                submitted_at=now - dt.timedelta(days=5),
                reviewed_at=now - dt.timedelta(days=2),
                reviewed_by=world.users["pmo"],
                review_comment=f"{tag} fix the forecast",
            )
            TailoringRequest.objects.create(
                organization=organization,
                project=project,
                justification=f"{tag} tailoring {index}",
                proposed_by=manager,
                proposed_at=now - dt.timedelta(days=1),
            )
            Alert.objects.create(
                organization=organization,
                rule=rule,
                metric="spi",
                subject_type=SubjectType.PROJECT,
                subject_id=project.pk,
                project=project,
                severity="warning",
                value=Decimal("0.7"),
                threshold=Decimal("0.9"),
            )
            person = Person.objects.create(
                organization=organization, full_name=f"{tag} person {index}", weekly_capacity=Decimal(40)
            )
            people.append(person)
            Allocation.objects.create(
                organization=organization,
                person=person,
                project=project,
                start_week=this_week,
                end_week=this_week + dt.timedelta(weeks=1),
                hours_per_week=Decimal(50),
            )
            Risk.objects.create(
                organization=organization,
                project=project,
                number=index + 1,
                title=f"{tag} escalated risk {index}",
                category="technical",
                strategy="escalate",
                probability=4,
                impact=5,
                escalation_level="pmo",
                escalated_at=now - dt.timedelta(days=8),
                last_reviewed_at=now - dt.timedelta(days=200),
            )
            Notification.objects.create(
                organization=organization,
                recipient=manager,
                kind=NotificationKind.STATUS_REMINDER,
                dedup_key=f"status-reminder:{project.pk}:{week_label(this_week)}",
                created_at=now - dt.timedelta(hours=3),
            )
    return Scene(tag=tag, projects=projects, people=people)


# --- Who may open it -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize("role", ROLES)
def test_role_matrix(org_a: OrgWorld, role: str, path: str) -> None:
    response = client_for(org_a.users[role]).get(f"/o/{org_a.slug}/{path}")
    assert response.status_code == (200 if role in ALLOWED else 403)


@pytest.mark.parametrize("path", [*PAGES, "cockpit/quality/?check=no_baseline&format=csv"])
def test_another_organisation_gets_404(org_a: OrgWorld, org_b: OrgWorld, path: str) -> None:
    populate(org_a, 1, tag="AAA")
    response = client_for(org_b.users["pmo"]).get(f"/o/{org_a.slug}/{path}")
    assert response.status_code == 404
    assert b"AAA" not in response.content


def test_admin_and_pmo_land_on_the_cockpit(org_a: OrgWorld) -> None:
    for role in ALLOWED:
        html = client_for(org_a.users[role]).get(f"/o/{org_a.slug}/").content.decode()
        assert 'data-testid="cockpit-status"' in html


# --- What each card shows --------------------------------------------------------------------------------------------


def test_every_card_shows_this_organisations_items_and_never_anothers(org_a: OrgWorld, org_b: OrgWorld) -> None:
    mine = populate(org_a, 1, tag="MINE")
    populate(org_b, 1, tag="THEIRS")
    html = cockpit_html(org_a)
    assert "THEIRS" not in html
    for key in ("intake", "changes", "gates", "returned", "tailoring"):
        assert count_of(html, f"queue-{key}") == 1, key
    # Items carry the codes every other page shows (REQ-0001, CR-001, R-001), never a bare number.
    assert re.search(r">REQ-\d{4} MINE intake 0<", section(html, "queue-intake"))
    assert ">CR-001 MINE change 0<" in section(html, "queue-changes")
    assert ">R-001 MINE escalated risk 0<" in section(html, "cockpit-escalated")
    assert "MINE gate 0" in section(html, "queue-gates")
    assert "6 days" in section(html, "queue-gates")  # planned six days ago
    assert "MINE-000" in section(html, "queue-returned")
    assert "2 days" in section(html, "queue-returned")
    assert "MINE-000" in section(html, "queue-tailoring")
    assert count_of(html, "cockpit-alerts") == 1
    assert "MINE-000" in section(html, "cockpit-alerts")
    assert count_of(html, "cockpit-overallocations") == 1
    assert "MINE person 0" in section(html, "cockpit-overallocations")
    assert "125%" in section(html, "cockpit-overallocations")
    assert count_of(html, "cockpit-escalated") == 1
    assert "MINE escalated risk 0" in section(html, "cockpit-escalated")
    status = section(html, "cockpit-status")
    row = re.search(r'data-testid="status-row" data-project="MINE-000">(.*?)</tr>', status, re.S)
    assert row, "the project without this week's report is listed"
    with org_a.ctx():
        sent = Notification.objects.get(dedup_key__startswith=f"status-reminder:{mine.projects[0].pk}:").created_at
    zone = zoneinfo.ZoneInfo(org_a.organization.time_zone)
    assert sent.astimezone(zone).strftime("%Y-%m-%d %H:%M") in row.group(1)  # the last reminder, local time


def test_empty_cards_are_quiet(org_a: OrgWorld) -> None:
    html = cockpit_html(org_a)
    for key in ("intake", "changes", "gates", "returned", "tailoring"):
        assert count_of(html, f"queue-{key}") == 0
        assert "Nothing waiting" in section(html, f"queue-{key}")
        assert f'class="card cockpit-card is-quiet" aria-labelledby="queue-{key}"' in html


def test_the_queue_list_shows_all_items_of_one_organisation(org_a: OrgWorld, org_b: OrgWorld) -> None:
    populate(org_a, 3, tag="MINE")
    populate(org_b, 1, tag="THEIRS")
    client = client_for(org_a.users["pmo"])
    for key in ("gates", "returned", "tailoring"):
        html = client.get(f"/o/{org_a.slug}/cockpit/queue/?queue={key}").content.decode()
        rows = re.findall(r'data-testid="queue-row" data-project="([^"]+)"', html)
        assert sorted(rows) == ["MINE-000", "MINE-001", "MINE-002"], key
        assert "THEIRS" not in html
        response = client.get(f"/o/{org_a.slug}/cockpit/queue/?queue={key}&format=csv")
        assert response.status_code == 200
        table = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        assert sorted(line[0] for line in table[1:]) == ["MINE-000", "MINE-001", "MINE-002"]


def test_unknown_queue_is_400(org_a: OrgWorld) -> None:
    client = client_for(org_a.users["pmo"])
    assert client.get(f"/o/{org_a.slug}/cockpit/queue/?queue=intake").status_code == 400
    assert client.get(f"/o/{org_a.slug}/cockpit/queue/?queue=nope&format=csv").status_code == 400


# --- Send reminders now -----------------------------------------------------------------------------------------------


def notifications(world: OrgWorld) -> list[tuple[str, int]]:
    with world.ctx():
        return sorted(Notification.objects.values_list("dedup_key", "recipient_id"))


def test_send_reminders_now_sends_what_is_due_once(org_a: OrgWorld) -> None:
    # A week-long lead keeps some week in its reminder window whatever the moment the test runs.
    set_policy(org_a, status_lead_hours=168)
    with org_a.ctx():
        Project.objects.filter(organization=org_a.organization).update(
            created_at=timezone.now() - dt.timedelta(days=90)
        )
    html = cockpit_html(org_a)
    pending = int(re.search(r'data-pending="(\d+)"', html).group(1))  # type: ignore[union-attr]
    assert pending >= 1
    before = notifications(org_a)
    client = client_for(org_a.users["pmo"])
    response = client.post(f"/o/{org_a.slug}/cockpit/remind/")
    assert response.status_code == 302
    after = notifications(org_a)
    assert len(after) - len(before) == pending
    assert 'data-pending="0"' in cockpit_html(org_a)
    client.post(f"/o/{org_a.slug}/cockpit/remind/")
    assert notifications(org_a) == after


@pytest.mark.parametrize("role", sorted(set(ROLES) - ALLOWED))
def test_send_reminders_refused_to_other_roles(org_a: OrgWorld, role: str) -> None:
    set_policy(org_a, status_lead_hours=168)
    before = notifications(org_a)
    assert client_for(org_a.users[role]).post(f"/o/{org_a.slug}/cockpit/remind/").status_code == 403
    assert notifications(org_a) == before


def test_send_reminders_of_another_organisation_is_404(org_a: OrgWorld, org_b: OrgWorld) -> None:
    set_policy(org_a, status_lead_hours=168)
    before = notifications(org_a)
    assert client_for(org_b.users["pmo"]).post(f"/o/{org_a.slug}/cockpit/remind/").status_code == 404
    assert notifications(org_a) == before


def test_send_reminders_is_post_only(org_a: OrgWorld) -> None:
    assert client_for(org_a.users["pmo"]).get(f"/o/{org_a.slug}/cockpit/remind/").status_code == 405


# --- Data quality -----------------------------------------------------------------------------------------------------


def quality_world(world: OrgWorld, *, prefix: str = "") -> dict[str, list[str]]:
    """Projects that each fail one check (and some that must not count); returns the expected codes per check."""
    now = timezone.now()
    organization = world.organization
    long_ago = now - dt.timedelta(days=90)
    outsider = UserFactory(email=f"left-{prefix or world.slug}@example.test")

    def project(code: str, **fields: Any) -> Project:
        fields.setdefault("manager", world.users["manager"])
        fields.setdefault("created_at", long_ago)
        created: Project = ProjectFactory.create(
            organization=organization, portfolio=world.projects[0].portfolio, code=prefix + code, **fields
        )
        return created

    fine = project("FINE")
    no_baseline = project("NOBASE")
    no_status = project("NOSTATUS")
    stale = project("STALE")
    left = project("LEFT", manager=outsider)
    new = project("NEW", created_at=now - dt.timedelta(days=2))  # too young to owe a report
    closed = project("CLOSED", status=Project.Status.CLOSED, manager=None)  # not monitored
    on_hold = project("HOLD", status=Project.Status.ON_HOLD)
    with world.ctx():
        Project.objects.filter(pk__in=[p.pk for p in world.projects]).update(created_at=long_ago)
        policy = control_policy_get(organization=organization)
        last_week = current_week_start(organization=organization, now=now) - dt.timedelta(days=7)
        for item in [*world.projects, fine, no_status, stale, left, new, closed, on_hold]:
            Baseline.objects.create(
                organization=organization,
                project=item,
                version=1,
                budget=Decimal(1),
                reason="r",
                approved_by=world.users["pmo"],
            )
        for item in [*world.projects, fine, no_baseline, stale, left, new, on_hold]:
            StatusReport.objects.create(
                organization=organization,
                project=item,
                week_start=last_week,
                due_at=status_due_at(organization=organization, policy=policy, week_start=last_week),
                state=StatusReport.State.SUBMITTED,
                revision=1,
                first_submitted_at=now - dt.timedelta(days=5),
                submitted_at=now - dt.timedelta(days=5),
            )
        for number, (item, status, reviewed_days) in enumerate(
            [(stale, "open", 200), (fine, "closed", 200), (on_hold, "open", 1)], start=1001
        ):
            Risk.objects.create(
                organization=organization,
                project=item,
                number=number,
                title=f"Risk {number}",
                category="technical",
                strategy="mitigate",
                probability=2,
                impact=2,
                status=status,
                last_reviewed_at=now - dt.timedelta(days=reviewed_days),
            )
    codes = {p.pk: p.code for p in world.projects}
    no_manager = [codes[p.pk] for p in world.projects if p.manager_id is None]
    return {
        "no_baseline": [no_baseline.code],
        "no_manager": sorted([*no_manager, left.code]),
        "no_recent_status": [no_status.code],
        "stale_risks": [stale.code],
    }


def test_quality_counts_and_drill_downs_agree(org_a: OrgWorld, org_b: OrgWorld) -> None:
    expected = quality_world(org_a)
    quality_world(org_b, prefix="B")
    client = client_for(org_a.users["pmo"])
    html = cockpit_html(org_a)
    for check, codes in expected.items():
        assert count_of(html, f"quality-{check}") == len(codes), check
        page = client.get(f"/o/{org_a.slug}/cockpit/quality/?check={check}").content.decode()
        assert sorted(re.findall(r'data-testid="quality-row" data-project="([^"]+)"', page)) == codes, check
        for fmt in ("csv", "xlsx"):
            response = client.get(f"/o/{org_a.slug}/cockpit/quality/?check={check}&format={fmt}")
            assert response.status_code == 200
            if fmt == "csv":
                rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))[1:]
            else:
                sheet = load_workbook(io.BytesIO(response.content)).active
                assert sheet is not None
                rows = [list(row) for row in sheet.iter_rows(min_row=2, values_only=True)]
            assert sorted(str(row[0]) for row in rows) == codes, (check, fmt)


def test_quality_list_sorts_and_paginates(org_a: OrgWorld) -> None:
    for index in range(30):
        ProjectFactory(organization=org_a.organization, code=f"NB-{index:02d}", name=f"zz {29 - index:02d}")
    client = client_for(org_a.users["pmo"])
    url = f"/o/{org_a.slug}/cockpit/quality/?check=no_baseline"
    first = re.findall(r'data-project="([^"]+)"', client.get(url).content.decode())
    second = re.findall(r'data-project="([^"]+)"', client.get(url + "&page=2").content.decode())
    # 30 new projects and the world's three, none with a baseline: 25 on the first page, 8 on the second.
    assert (len(first), len(second)) == (25, 8)
    assert not set(first) & set(second)
    assert first == sorted(first)
    by_name = re.findall(r'data-project="([^"]+)"', client.get(url + "&sort=-name").content.decode())
    assert by_name[0] == "NB-00"  # "zz 29" is the last name, first when descending


def test_unknown_check_is_400_and_names_the_checks(org_a: OrgWorld) -> None:
    client = client_for(org_a.users["pmo"])
    response = client.get(f"/o/{org_a.slug}/cockpit/quality/?check=bogus")
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-testid="bad-key"' in html and "bogus" in html
    assert 'data-testid="check-no_baseline"' in html
    assert client.get(f"/o/{org_a.slug}/cockpit/quality/?check=bogus&format=xlsx").status_code == 400
    assert client.get(f"/o/{org_a.slug}/cockpit/quality/?check=no_baseline&format=pdf").status_code == 400


def test_chinese_page(org_a: OrgWorld) -> None:
    client = client_for(org_a.users["pmo"])
    client.cookies["django_language"] = "zh-hans"
    html = client.get(f"/o/{org_a.slug}/cockpit/").content.decode()
    assert 'lang="zh-hans"' in html


def test_quality_heading_joins_its_parts_in_the_readers_language(org_a: OrgWorld) -> None:
    client = client_for(org_a.users["pmo"])
    url = f"/o/{org_a.slug}/cockpit/quality/?check=no_baseline"
    assert re.search(r"<h1>Data quality: Without a baseline</h1>", client.get(url).content.decode())
    client.cookies["django_language"] = "zh-hans"
    heading = re.search(r"<h1>(.*?)</h1>", client.get(url).content.decode())
    assert heading
    assert "：" in heading.group(1) and ": " not in heading.group(1)  # the full-width colon of Chinese


# --- Speed ------------------------------------------------------------------------------------------------------------

# Measured: 32 at both sizes (the test transaction wrote, so the page computes: see pmo.core.datacache).
QUERY_BOUND = 32


@pytest.mark.parametrize("size", [3, 30])
def test_query_count_does_not_grow_with_projects(
    org_a: OrgWorld, size: int, django_assert_max_num_queries: Any
) -> None:
    populate(org_a, size)
    client = client_for(org_a.users["pmo"])
    client.get(f"/o/{org_a.slug}/cockpit/")  # the first visit creates the settings rows (risk, reminder policy)
    with django_assert_max_num_queries(QUERY_BOUND):
        response = client.get(f"/o/{org_a.slug}/cockpit/")
    html = response.content.decode()
    assert count_of(html, "queue-gates") == size
    assert count_of(html, "queue-tailoring") == size
    assert count_of(html, "cockpit-escalated") == size
    # The landing page lists the ten most overdue reports and links the rest (the world's three projects too).
    assert html.count('data-testid="status-row"') == min(size + 3, 10)
    assert ('data-testid="status-more"' in html) == (size + 3 > 10)


def test_query_count_is_the_same_at_3_and_30(org_a: OrgWorld, org_b: OrgWorld) -> None:
    counts = []
    for world, size in ((org_a, 3), (org_b, 30)):
        populate(world, size)
        client = client_for(world.users["pmo"])
        client.get(f"/o/{world.slug}/cockpit/")  # session and settings rows created on first use
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/o/{world.slug}/cockpit/").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1] <= QUERY_BOUND, counts


@pytest.mark.parametrize("path", ["cockpit/quality/?check=stale_risks", "cockpit/queue/?queue=returned"])
def test_drill_down_query_count_is_constant(org_a: OrgWorld, org_b: OrgWorld, path: str) -> None:
    counts = []
    for world, size in ((org_a, 3), (org_b, 30)):
        populate(world, size)
        client = client_for(world.users["pmo"])
        client.get(f"/o/{world.slug}/{path}")
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/o/{world.slug}/{path}").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


# --- Over-allocation against each person's capacity ------------------------------------------------------------------


def test_over_allocation_follows_each_persons_capacity_with_time_off(org_a: OrgWorld) -> None:
    """Time off lowers a week's capacity below a full week's: 36 h on a 40 h person with two days off (24 h left) is
    over, 36 h without time off is not, and a person allocated exactly their capacity is not over either."""
    monday = current_week_start(organization=org_a.organization, now=timezone.now())
    on = ProjectFactory(organization=org_a.organization, code="CAP-1", name="Capacity")
    with org_a.ctx():
        people = {
            name: Person.objects.create(
                organization=org_a.organization, full_name=name, weekly_capacity=Decimal(40), active=True
            )
            for name in ("Away two days", "Full week", "Exactly at capacity", "Left the company")
        }
        people["Left the company"].active = False
        people["Left the company"].save(update_fields=["active"])
        for name, hours in (("Away two days", 36), ("Full week", 36), ("Exactly at capacity", 40)):
            Allocation.objects.create(
                organization=org_a.organization,
                person=people[name],
                project=on,
                start_week=monday,
                end_week=monday,
                hours_per_week=Decimal(hours),
            )
        Allocation.objects.create(
            organization=org_a.organization,
            person=people["Left the company"],
            project=on,
            start_week=monday,
            end_week=monday,
            hours_per_week=Decimal(80),
        )
        TimeOff.objects.create(
            organization=org_a.organization,
            person=people["Away two days"],
            start=monday + dt.timedelta(days=1),
            end=monday + dt.timedelta(days=2),
        )
        over = people_over_capacity(organization=org_a.organization, start=monday)
    assert [item.person.full_name for item in over.people] == ["Away two days"]
    peak = over.people[0].peak
    assert (peak.week, peak.capacity, peak.allocated, over.people[0].weeks) == (
        monday,
        Decimal("24.00"),
        Decimal(36),
        [monday],
    )
