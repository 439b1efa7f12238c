"""Earned value of a project in the API (``projects/<id>/evm/``), on the "Earned value" tab and as an SVG: the
figures against hand-computed values, the history stored with each report (unmoved by a new baseline), the
permission matrix over roles and another organisation (404, nothing changed), the empty state, both languages,
and query counts that do not grow with the number of weeks.

Status reports are created directly with the model (the figures as the status services store them on submit)."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from projects import evm, services
from projects.models import Baseline, Project, Rag, StatusReport
from projects.policy import control_policy_get, current_week_start, status_date, status_due_at, week_label
from tests.conftest import ROLES, OrgWorld
from tests.factories_projects import lifecycle_project

ApiClientFactory = Callable[[Any], APIClient]
LEADERSHIP = {"admin", "pmo", "executive"}
D = Decimal


def logged_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def add_report(
    world: OrgWorld,
    project: Project,
    *,
    week_start: dt.date,
    percent: Decimal,
    cost: Decimal,
    state: str = StatusReport.State.ACCEPTED,
    rag: str = Rag.GREEN,
) -> StatusReport:
    """A report as the status services leave it after submission: EVM figures computed at the week's status date."""
    org = world.organization
    with world.ctx():
        policy = control_policy_get(organization=org)
        figures = evm.project_evm(
            organization=org,
            project=project,
            on=status_date(policy=policy, week_start=week_start),
            percent_complete=percent,
            actual_cost=cost,
        )
        due = status_due_at(organization=org, policy=policy, week_start=week_start)
        submitted = state != StatusReport.State.DRAFT
        return StatusReport.objects.create(
            organization=org,
            project=project,
            week_start=week_start,
            state=state,
            revision=1 if submitted else 0,
            due_at=due,
            first_submitted_at=due - dt.timedelta(hours=2) if submitted else None,
            submitted_at=due - dt.timedelta(hours=2) if submitted else None,
            submitted_by=world.users["manager"] if submitted else None,
            percent_complete=percent,
            actual_cost=cost,
            rag_overall=rag,
            suggested_rag=Rag.AMBER if rag == Rag.GREEN and figures.spi and figures.spi < 1 else rag,
            **figures.as_fields(),
        )


def add_history(world: OrgWorld, project: Project, weeks: int, *, budget: int = 120_000) -> list[StatusReport]:
    """``weeks`` weekly reports ending this week: progress a little behind plan, cost a little over; the last one
    awaits review, the others are accepted."""
    this_week = current_week_start(organization=world.organization)
    reports = []
    for i in range(weeks):
        percent = min(D(100), D(3) + D("3.5") * i)
        cost = (D(budget) * percent / 100 * (D("1.04") + D("0.01") * i)).quantize(D("0.01"))
        rag = Rag.GREEN if i < weeks * 0.5 else (Rag.AMBER if i < weeks * 0.8 else Rag.RED)
        reports.append(
            add_report(
                world,
                project,
                week_start=this_week - dt.timedelta(days=7 * (weeks - 1 - i)),
                percent=percent,
                cost=cost,
                rag=rag,
                state=StatusReport.State.SUBMITTED if i == weeks - 1 else StatusReport.State.ACCEPTED,
            )
        )
    return reports


def evm_project(world: OrgWorld, *, weeks: int = 12, code: str = "EV-1") -> Project:
    """A lifecycle project that started ``weeks + 1`` weeks ago (26 weeks long) with ``weeks`` reports."""
    start = current_week_start(organization=world.organization) - dt.timedelta(days=7 * (weeks + 1))
    project = lifecycle_project(world, code=code, start=start, days=7 * 26, budget=120_000)
    add_history(world, project, weeks)
    return project


def simple_project(world: OrgWorld) -> tuple[Project, dt.date]:
    """conftest's projects[0] (the manager's, the member reads it) with a linear baseline: BAC 100 000 from 40 days
    ago to 60 days ahead, so 40 % of the work is planned by today."""
    today = services.organization_today(world.organization)
    project = world.projects[0]
    with world.ctx():
        services.baseline_create(
            organization=world.organization,
            actor=world.users["pmo"],
            project=project,
            reason="Initial plan",
            reason_category=Baseline.ReasonCategory.INITIAL,
            budget=D(100000),
            start_date=today - dt.timedelta(days=40),
            finish_date=today + dt.timedelta(days=60),
            milestones=[],
        )
    return project, today


def api_url(world: OrgWorld, project: Project) -> str:
    return f"/api/v1/orgs/{world.slug}/projects/{project.pk}/evm/"


def page_url(world: OrgWorld, project: Project, rest: str = "") -> str:
    return f"/o/{world.slug}/projects/{project.pk}/evm/{rest}"


def reports_state(world: OrgWorld) -> list[dict[str, Any]]:
    with world.ctx():
        return list(StatusReport.objects.order_by("pk").values()) + list(Baseline.objects.order_by("pk").values())


# --- Figures ----------------------------------------------------------------------------------------------------


def test_current_figures_match_hand_computed_values(org_a: OrgWorld, api_client: ApiClientFactory) -> None:
    project, today = simple_project(org_a)
    # An earlier accepted week and this week's submitted one; a later draft and a returned report do not count.
    this_week = current_week_start(organization=org_a.organization)
    add_report(org_a, project, week_start=this_week - dt.timedelta(days=7), percent=D(30), cost=D(30000))
    add_report(org_a, project, week_start=this_week, percent=D(35), cost=D(42000), state=StatusReport.State.SUBMITTED)
    add_report(org_a, project, week_start=this_week + dt.timedelta(days=7), percent=D(90), cost=D(1), state="draft")
    add_report(org_a, project, week_start=this_week - dt.timedelta(days=14), percent=D(99), cost=D(2), state="returned")

    response = api_client(org_a.users["member"]).get(api_url(org_a, project))

    assert response.status_code == 200
    body = response.json()
    assert body["as_of"] == today.isoformat()
    # PV = 100 000 × 40/100 = 40 000; EV = 35 % × 100 000 = 35 000; SV = −5 000; CV = 35 000 − 42 000 = −7 000;
    # SPI = 0.875; CPI = 0.8333; EAC = 100 000 × 42 000 / 35 000 = 120 000; ETC = 78 000; VAC = −20 000;
    # TCPI = 65 000 / 58 000 = 1.1207
    assert body["current"] == {
        "week": week_label(this_week),
        "percent_complete": "35.00",
        "actual_cost": "42000.00",
        "baseline_version": 1,
        "bac": "100000.00",
        "pv": "40000.00",
        "ev": "35000.00",
        "ac": "42000.00",
        "sv": "-5000.00",
        "cv": "-7000.00",
        "spi": "0.8750",
        "cpi": "0.8333",
        "eac": "120000.00",
        "etc": "78000.00",
        "vac": "-20000.00",
        "tcpi": "1.1207",
    }
    assert [row["week"] for row in body["history"]] == [
        week_label(this_week - dt.timedelta(days=7)),
        week_label(this_week),
    ]
    assert [row["state"] for row in body["history"]] == ["accepted", "submitted"]
    assert body["history"][1]["ev"] == "35000.00" and body["history"][1]["percent_complete"] == "35.00"
    assert body["history"][0]["status_date"] == (this_week - dt.timedelta(days=3)).isoformat()  # Friday before
    # the S-curve: PV from the baseline start (0) to its finish (BAC), EV and AC at each week's status date
    pv = body["curve"]["pv"]
    assert pv[0] == [(today - dt.timedelta(days=40)).isoformat(), "0.00"]
    assert pv[-1] == [(today + dt.timedelta(days=60)).isoformat(), "100000.00"]
    assert len(pv) == 16  # weekly over 100 days (15 points) and the finish
    assert body["curve"]["ev"] == [[row["status_date"], row["ev"]] for row in body["history"]]
    assert body["curve"]["ac"] == [[row["status_date"], row["ac"]] for row in body["history"]]
    assert "milestone" in body["rule"]


def test_history_keeps_stored_figures_when_the_baseline_changes(org_a: OrgWorld, api_client: ApiClientFactory) -> None:
    project, _today = simple_project(org_a)
    this_week = current_week_start(organization=org_a.organization)
    add_report(org_a, project, week_start=this_week, percent=D(50), cost=D(45000))
    before = api_client(org_a.users["pmo"]).get(api_url(org_a, project)).json()
    with org_a.ctx():
        services.baseline_create(
            organization=org_a.organization,
            actor=org_a.users["pmo"],
            project=project,
            reason="Cost change",
            reason_category=Baseline.ReasonCategory.COST,
            budget=D(200000),
            milestones=[],
        )

    after = api_client(org_a.users["pmo"]).get(api_url(org_a, project)).json()

    assert after["history"] == before["history"]
    assert after["history"][0]["bac"] == "100000.00" and after["history"][0]["baseline_version"] == 1
    # today's figures follow the current baseline: EV = 50 % × 200 000, EAC = 200 000 × 45 000 / 100 000
    assert (after["current"]["baseline_version"], after["current"]["bac"]) == (2, "200000.00")
    assert (after["current"]["ev"], after["current"]["eac"]) == ("100000.00", "90000.00")
    assert after["curve"]["pv"][-1][1] == "200000.00"


def test_without_baseline_dates_or_reports_everything_is_null_or_empty(
    org_a: OrgWorld, api_client: ApiClientFactory
) -> None:
    project = org_a.projects[0]  # no baseline, no planned dates, no report

    body = api_client(org_a.users["manager"]).get(api_url(org_a, project)).json()

    assert body["current"] is None
    assert body["history"] == []
    assert body["curve"] == {"pv": [], "ev": [], "ac": []}
    # with a report but still no dates: PV, SV and SPI stay null, the cost side is there
    add_report(
        org_a, project, week_start=current_week_start(organization=org_a.organization), percent=D(0), cost=D(500)
    )
    current = api_client(org_a.users["manager"]).get(api_url(org_a, project)).json()["current"]
    assert (current["pv"], current["sv"], current["spi"]) == (None, None, None)
    assert (current["cv"], current["cpi"], current["eac"]) == ("-500.00", "0.0000", None)


# --- Permissions: the API, the tab and the SVG ------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_every_reader_gets_the_figures_others_get_404_and_nothing_changes(
    role: str, org_a: OrgWorld, org_b: OrgWorld, api_client: ApiClientFactory
) -> None:
    project = evm_project(org_a, weeks=3)  # readable by every role of org_a (member and viewer are granted)
    hidden = org_a.projects[2]  # granted to nobody: leadership only
    add_report(org_a, hidden, week_start=current_week_start(organization=org_a.organization), percent=D(5), cost=D(10))
    before = reports_state(org_a)
    user = org_a.users[role]

    assert api_client(user).get(api_url(org_a, project)).status_code == 200
    web = logged_in(user)
    page = web.get(page_url(org_a, project))
    assert page.status_code == 200 and b'data-testid="s-curve"' in page.content
    svg = web.get(page_url(org_a, project, "s-curve.svg"))
    assert svg.status_code == 200 and svg["Content-Type"].startswith("image/svg+xml")

    expected_hidden = 200 if role in LEADERSHIP else 404
    assert api_client(user).get(api_url(org_a, hidden)).status_code == expected_hidden
    assert web.get(page_url(org_a, hidden)).status_code == expected_hidden
    assert web.get(page_url(org_a, hidden, "s-curve.svg")).status_code == expected_hidden

    # A user of another organisation: 404 on the project's figures, tab and chart, under either slug.
    stranger = org_b.users[role]
    for url in (api_url(org_a, project), f"/api/v1/orgs/{org_b.slug}/projects/{project.pk}/evm/"):
        response = api_client(stranger).get(url)
        assert response.status_code == 404 and "ev" not in response.json()
    other_web = logged_in(stranger)
    for url in (page_url(org_a, project), page_url(org_a, project, "s-curve.svg")):
        assert other_web.get(url).status_code == 404
    elsewhere = other_web.get(f"/o/{org_b.slug}/projects/{project.pk}/evm/")
    assert elsewhere.status_code == 404 and project.code.encode() not in elsewhere.content

    # The endpoint is read-only: writes are refused and change nothing.
    for method in ("post", "put", "patch", "delete"):
        assert getattr(api_client(user), method)(api_url(org_a, project), {}, format="json").status_code == 405
    assert web.post(page_url(org_a, project)).status_code == 405
    assert reports_state(org_a) == before


def test_anonymous_is_refused(org_a: OrgWorld) -> None:
    project = org_a.projects[0]
    assert APIClient().get(api_url(org_a, project)).status_code == 401
    response = Client().get(page_url(org_a, project))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- The tab ------------------------------------------------------------------------------------------------------


def test_tab_shows_cards_chart_trend_and_rag_history(org_a: OrgWorld) -> None:
    project = evm_project(org_a, weeks=12)

    response = logged_in(org_a.users["manager"]).get(page_url(org_a, project))

    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('data-testid="trend-row"') == 12
    for key in ("bac", "pv", "ev", "ac", "sv", "cv", "spi", "cpi", "eac", "etc", "vac", "tcpi"):
        assert f'data-testid="figure-{key}"' in html
    # behind plan and over budget: SV and CV negative, shown red; CPI below the red threshold (0.85)
    context = response.context
    cards = {card.key: card for card in context["cards"]}
    assert cards["sv"].value < 0 and cards["sv"].tone == "bad"
    assert cards["cv"].value < 0 and cards["cv"].tone == "bad"
    assert "amber below 0.95, red below 0.85" in cards["spi"].explanation
    assert 'class="evm-card tone-bad" data-testid="figure-cv"' in html
    # the charts are inline SVG that parses; the RAG strip has one cell per week in the report's colours
    chart = html.split('data-testid="s-curve">', 1)[1].split("</figure>", 1)[0]
    root = ET.fromstring(chart)  # noqa: S314 - our own output
    assert root.tag.endswith("svg") and len(list(root.iter("{http://www.w3.org/2000/svg}path"))) == 3
    strip = ET.fromstring(html.split('data-testid="rag-history">', 1)[1].split("</figure>", 1)[0])  # noqa: S314
    cells = [node.get("class") for node in strip.iter("{http://www.w3.org/2000/svg}rect") if node.get("class")]
    assert cells == ["rag-cell rag-green"] * 6 + ["rag-cell rag-amber"] * 4 + ["rag-cell rag-red"] * 2
    assert "linear in between" in html  # the PV rule
    # the newest week first in the trend table
    this_week = current_week_start(organization=org_a.organization)
    trend = html.split('data-testid="evm-trend"', 1)[1]
    assert trend.index(week_label(this_week)) < trend.index(week_label(this_week - dt.timedelta(days=7)))


def test_tab_empty_state_and_chinese(org_a: OrgWorld) -> None:
    project = org_a.projects[0]
    client = logged_in(org_a.users["manager"])

    response = client.get(page_url(org_a, project))

    assert response.status_code == 200
    assert b'data-testid="evm-empty"' in response.content
    assert b'data-testid="s-curve"' not in response.content
    svg = client.get(page_url(org_a, project, "s-curve.svg"))
    assert ET.fromstring(svg.content).tag.endswith("svg")  # noqa: S314 - an empty-state chart, still an image

    client.cookies["django_language"] = "zh-hans"
    chinese = client.get(page_url(org_a, project))
    assert chinese.status_code == 200
    assert '<html lang="zh-hans"' in chinese.content.decode()


def test_tab_with_a_baseline_but_no_report_shows_the_plan(org_a: OrgWorld) -> None:
    project, _today = simple_project(org_a)

    response = logged_in(org_a.users["pmo"]).get(page_url(org_a, project))

    assert b'data-testid="evm-no-report"' in response.content
    assert b'data-testid="s-curve"' in response.content and b"<svg" in response.content
    assert b'data-testid="evm-cards"' not in response.content


# --- Query counts -------------------------------------------------------------------------------------------------


def count_queries(call: Callable[[], Any]) -> int:
    with CaptureQueriesContext(connection) as context:
        response = call()
    assert response.status_code == 200
    return len(context.captured_queries)


def test_query_counts_do_not_grow_with_the_history(
    org_a: OrgWorld, api_client: ApiClientFactory, django_assert_max_num_queries: Any
) -> None:
    few = evm_project(org_a, weeks=2, code="EV-FEW")
    many = evm_project(org_a, weeks=20, code="EV-MANY")
    with org_a.ctx():
        assert StatusReport.objects.filter(project=many).count() == 20
    client, web = api_client(org_a.users["manager"]), logged_in(org_a.users["manager"])
    client.get(api_url(org_a, few))  # warm up: the token's first use and the control policy are written once
    web.get(page_url(org_a, few))
    counts = {}
    for name, project in (("few", few), ("many", many)):
        counts[name] = (
            count_queries(lambda p=project: client.get(api_url(org_a, p))),
            count_queries(lambda p=project: web.get(page_url(org_a, p))),
            count_queries(lambda p=project: web.get(page_url(org_a, p, "s-curve.svg"))),
        )
    assert counts["few"] == counts["many"]
    api_count, page_count, svg_count = counts["few"]
    with django_assert_max_num_queries(api_count):
        client.get(api_url(org_a, many))
    with django_assert_max_num_queries(page_count):
        web.get(page_url(org_a, many))
    with django_assert_max_num_queries(svg_count):
        web.get(page_url(org_a, many, "s-curve.svg"))


def test_stored_history_is_what_the_status_services_froze(org_a: OrgWorld) -> None:
    """The selector reads the stored columns; it does not recompute them (a stored odd value comes back as is)."""
    from projects.earnedvalue.selectors import project_evm_history

    project = evm_project(org_a, weeks=3)
    with org_a.ctx():
        report = StatusReport.objects.filter(project=project).order_by("week_start").first()
        assert report is not None
        StatusReport.objects.filter(pk=report.pk).update(spi=D("0.1234"), updated_at=timezone.now())
        rows = project_evm_history(organization=org_a.organization, project=project)
    assert [row.week_start for row in rows] == sorted(row.week_start for row in rows)
    assert rows[0].spi == D("0.1234")
    assert rows[-1].state == "submitted"
