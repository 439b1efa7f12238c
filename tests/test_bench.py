"""``manage.py bench`` (pmo/scale): the command end to end against a real gunicorn on a small dataset; the framework
floor view; the query-count header, present only under the bench settings; the hand-written SQL references, which
must compute the same figures as the dashboard's and the cockpit's selectors; the statistics."""

from __future__ import annotations

import datetime as dt
import io
import json
import zoneinfo
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone

from pmo.accounts.models import User
from pmo.scale import bench_sql
from pmo.scale.bench import PAGE_KEYS
from pmo.scale.bench_data import choose_organizations
from pmo.scale.bench_report import Sample as BenchSample
from pmo.scale.bench_report import percentile, summarise
from pmo.scale.middleware import QUERY_COUNT_HEADER
from pmo.tenancy.access import resolve_organization
from pmo.tenancy.context import tenant_context
from projects.models import StatusReport
from reports.cockpit.selectors import cockpit
from reports.dashboard.selectors import DashboardFilters, dashboard_data
from tests.conftest import OrgWorld, build_world
from tests.factories import PASSWORD
from tests.factories_kpis import project, report
from tests.test_dashboard_queries import populate

BENCH_PASSWORD = "bench-pass-123"
FLOOR = "/o/{slug}/_bench/floor/"
bench_urls = override_settings(ROOT_URLCONF="pmo.scale.urls")


def _client(user: Any) -> Client:
    client = Client()
    assert client.login(username=user.email, password=PASSWORD)
    return client


# --- The framework floor and the query counter ------------------------------------------------------------------


@pytest.mark.django_db
@bench_urls
def test_the_floor_answers_members_only(org_a: OrgWorld, org_b: OrgWorld) -> None:
    member = _client(org_a.users["viewer"])
    response = member.get(FLOOR.format(slug=org_a.slug))
    assert response.status_code == 200 and response.content == b"ok"
    # Another organisation's slug, an unknown one and a user of another organisation: 404 alike.
    assert member.get(FLOOR.format(slug=org_b.slug)).status_code == 404
    assert member.get(FLOOR.format(slug="nowhere")).status_code == 404
    assert _client(org_b.users["admin"]).get(FLOOR.format(slug=org_a.slug)).status_code == 404
    anonymous = Client().get(FLOOR.format(slug=org_a.slug))
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
def test_the_floor_is_mounted_by_the_bench_urls_only(org_a: OrgWorld) -> None:
    assert _client(org_a.users["admin"]).get(FLOOR.format(slug=org_a.slug)).status_code == 404


@pytest.mark.django_db
def test_the_query_count_header_is_absent_in_normal_settings(org_a: OrgWorld) -> None:
    assert settings.MIDDLEWARE[0] != "pmo.scale.middleware.QueryCountMiddleware"
    response = _client(org_a.users["executive"]).get(f"/o/{org_a.slug}/dashboard/")
    assert response.status_code == 200
    assert QUERY_COUNT_HEADER not in response


@pytest.mark.django_db
def test_the_query_count_header_counts_every_statement_of_the_request(org_a: OrgWorld) -> None:
    client = _client(org_a.users["executive"])
    middleware = ["pmo.scale.middleware.QueryCountMiddleware", *settings.MIDDLEWARE]
    with override_settings(MIDDLEWARE=middleware), CaptureQueriesContext(connection) as captured:
        response = client.get(f"/o/{org_a.slug}/dashboard/")
    assert response.status_code == 200
    assert int(response[QUERY_COUNT_HEADER]) == len(captured.captured_queries) > 10
    # A page that reads nothing: only the savepoint of the request's transaction inside the test's (2 statements).
    with override_settings(MIDDLEWARE=middleware), CaptureQueriesContext(connection) as captured:
        health = Client().get("/healthz")
    assert int(health[QUERY_COUNT_HEADER]) == len(captured.captured_queries) < 3


# --- The hand-written SQL computes the selectors' figures ---------------------------------------------------------


def _window(world: OrgWorld, now: dt.datetime, user: Any = None) -> bench_sql.Window:
    organization = world.organization
    return bench_sql.Window(
        organization_id=organization.pk,
        zone=zoneinfo.ZoneInfo(organization.time_zone),
        now=now,
        user_id=user.pk if user is not None else None,
    )


def _run_in_test_transaction(run: Any, window: bench_sql.Window) -> dict[str, list[tuple[Any, ...]]]:
    """The statements on the test's own connection (its data is not committed), as the application role."""
    connection.ensure_connection()
    return run(connection.connection, window)


@pytest.mark.django_db
def test_the_dashboard_sql_computes_the_dashboards_figures(org_a: OrgWorld, org_b: OrgWorld) -> None:
    populate(org_a, 6)
    populate(org_b, 2)  # another organisation's rows must not count
    now = timezone.now()
    with org_a.ctx():
        access = resolve_organization(user=org_a.users["executive"], org_slug=org_a.slug)
        data = dashboard_data(access=access, filters=DashboardFilters(), now=now)
    rows = _run_in_test_transaction(bench_sql.run_dashboard_sql, _window(org_a, now))

    (figures,) = rows["figures"]
    keys = ["all", "rag_green", "rag_amber", "rag_red", "rag_none", "ahead_under", "late_under", "ahead_over"]
    keys += ["late_over", "no_evm", "milestones_due", "milestones_slipped", "closed_12m", "status_missed"]
    keys += ["changes_decided"]
    assert dict(zip(keys, figures, strict=True)) == data.counts
    assert data.counts["all"] == 6 + 3 and data.counts["milestones_slipped"] == 6  # 3 projects of the world

    trend = {(week, rag): n for week, rag, n in rows["rag_trend"]}
    for week in data.rag_weeks:
        assert (week.green, week.amber, week.red) == tuple(trend.get((week.week_start, rag), 0) for rag in RAGS)
    assert [(b.portfolio_id, b.projects, b.bac, b.ac, b.eac) for b in data.budgets] == [
        (portfolio, n, bac, ac, eac) for portfolio, _name, n, bac, ac, eac in rows["budgets"]
    ]
    points = {pk: (spi, cpi) for pk, _code, _name, spi, cpi, _rag, _escalations in rows["points"]}
    assert {p.pk: (p.spi, p.cpi) for p in data.points + data.without_evm} == points

    milestones = rows["milestones"]
    assert [pk for kind, pk, *_ in milestones if kind == "slipped"] == [m.pk for m in data.milestones_slipped]
    totals = {kind: total for kind, _pk, _name, _code, _due, total in milestones}
    assert totals.get("slipped", 0) == data.milestone_totals["slipped"]
    assert totals.get("due", 0) == data.milestone_totals["due"]

    decisions = rows["decisions"]
    assert [pk for kind, pk, *_ in decisions if kind == "risk"] == [r.pk for r in data.decisions.risks]
    assert [pk for kind, pk, *_ in decisions if kind == "change"] == [c.pk for c in data.decisions.change_requests]
    heat = {(p, i): n for part, p, i, n, _pk, _title in rows["risks"] if part == "cell"}
    assert heat == {(c.probability, c.impact): c.count for c in data.heat_map.cells if c.count}
    assert [pk for part, _p, _i, _n, pk, _title in rows["risks"] if part == "top"] == [r.pk for r in data.top_risks]

    capacity = {week: (cap, demand, shown) for week, cap, demand, shown, *_ in rows["capacity"]}
    assert [(c.week, c.capacity, c.demand, c.shown) for c in data.capacity] == [
        (c.week, *capacity[c.week]) for c in data.capacity
    ]
    *_, util_capacity, util_planned, people, util_actual = rows["capacity"][0]
    utilisation = data.kpis.utilisation
    assert (utilisation.capacity_hours, utilisation.planned_hours, utilisation.people) == (
        util_capacity,
        util_planned,
        people,
    )
    assert utilisation.actual_hours == util_actual

    (kpis,) = rows["kpis"]
    status = data.kpis.status
    assert kpis[16:20] == (status.expected, status.on_time, status.late, status.missing)
    assert kpis[-1] == data.kpis.changes.baseline_changes
    intake = {status: (n, cost) for status, n, cost in rows["intake"]}
    assert {row.status: (row.count, row.requested_cost) for row in data.intake if row.count} == intake


RAGS = ("green", "amber", "red")


@pytest.mark.django_db
def test_the_cockpit_sql_computes_the_cockpits_figures(org_a: OrgWorld, org_b: OrgWorld) -> None:
    populate(org_a, 5)
    populate(org_b, 2)
    monday = timezone.localdate() - dt.timedelta(days=timezone.localdate().weekday())
    report(org_a, project(org_a, code="LATE-1", name="Late one"), monday, rag="red", spi=Decimal("0.8"))
    now = timezone.now()
    pmo = org_a.users["pmo"]
    with org_a.ctx():
        access = resolve_organization(user=pmo, org_slug=org_a.slug)
        page = cockpit(access=access, now=now)
    rows = _run_in_test_transaction(bench_sql.run_cockpit_sql, _window(org_a, now, pmo))

    total, submitted, late, missing, *_ = rows["status"][0]
    assert (total, submitted, late, missing) == (
        page.status.total,
        page.status.submitted,
        page.status.late,
        page.status.missing,
    )
    not_in = [row[4] for row in rows["status"] if row[4] is not None]
    assert not_in == [item.project.pk for item in page.status.not_in[:10]]
    counts = {queue: total for queue, _pk, _title, total in rows["queues"]}
    for queue in page.queues:
        assert counts.get(queue.key, 0) == queue.count, queue.key
    assert counts.get("in_review", 0) == page.queue("intake").extra
    alerts = rows["alerts"][0]
    assert alerts[:4] == (
        page.alerts.counts["total"],
        page.alerts.counts["critical"],
        page.alerts.counts["warning"],
        page.alerts.counts["info"],
    )
    assert [(pk, weeks) for pk, _name, weeks, _peak in rows["over_capacity"]] == [
        (item.person.pk, len(item.weeks)) for item in page.over.people
    ]
    pmo_count, executive_count, *_ = rows["escalated"][0]
    assert {"pmo": pmo_count, "executive": executive_count} == page.escalated.counts
    assert [row[2] for row in rows["escalated"] if row[2] is not None] == [r.pk for r in page.escalated.risks]
    checks = ("no_baseline", "no_manager", "no_recent_status", "stale_risks")
    assert dict(zip(checks, rows["quality"][0], strict=True)) == page.quality


# --- Choosing the sizes, statistics -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_sizes_default_to_the_largest_and_the_one_nearest_forty(org_a: OrgWorld, org_b: OrgWorld) -> None:
    for index in range(4):
        project(org_b, code=f"B-{index}", name=f"More {index}")
    assert choose_organizations(large=None, small=None) == (org_b.slug, org_a.slug, None)
    assert choose_organizations(large=org_a.slug, small=None) == (org_a.slug, org_b.slug, None)
    build_world("scale-xl")
    assert choose_organizations(large=None, small=None)[2] == "scale-xl"


def test_percentiles_interpolate_between_ranks() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 0.5) == 50.5
    assert percentile(values, 0.95) == pytest.approx(95.05)
    summary = summarise([BenchSample(0.010, 5), BenchSample(0.020, 5), BenchSample(0.030, 7)])
    assert summary["p50_ms"] == 20.0 and summary["requests"] == 3
    assert summary["queries"] == {"median": 5, "min": 5, "max": 7}


# --- The command end to end, on a real gunicorn ---------------------------------------------------------------------


def _bench_passwords(*worlds: OrgWorld) -> None:
    """The served app hashes with PBKDF2 (the test settings only know MD5): a cheap PBKDF2 hash it can check."""
    encoded = PBKDF2PasswordHasher().encode(BENCH_PASSWORD, "benchsalt", iterations=1000)
    User.objects.filter(pk__in=[user.pk for world in worlds for user in world.users.values()]).update(password=encoded)


@pytest.mark.django_db(transaction=True)
def test_the_command_measures_every_page_on_gunicorn_and_cleans_up(tmp_path: Path) -> None:
    large, small = build_world("bench-large"), build_world("bench-small")
    populate(large, 8)
    populate(small, 2)
    _bench_passwords(large, small)
    output = tmp_path / "bench.json"
    requests, warmup = 3, 1
    before = {world.slug: _status_rows(world) for world in (large, small)}
    printed = io.StringIO()

    call_command(
        "bench",
        "--large",
        large.slug,
        "--small",
        small.slug,
        "--requests",
        str(requests),
        "--warmup",
        str(warmup),
        "--password",
        BENCH_PASSWORD,
        "--output",
        str(output),
        stdout=printed,
    )

    result = json.loads(output.read_text())
    assert set(result["pages"]) == {*PAGE_KEYS, "dashboard_cached", "cockpit_cached", "status_start"}
    for key, page in result["pages"].items():
        for label in ("large", "small"):
            measured = page["results"][label]
            assert measured["requests"] == requests, (key, label)
            assert 0 < measured["p50_ms"] <= measured["p95_ms"], (key, label)
            assert measured["queries"]["min"] > 0, (key, label)
    pages = result["pages"]
    assert pages["floor"]["results"]["large"]["p50_ms"] < pages["dashboard"]["results"]["large"]["p50_ms"]
    assert pages["dashboard"]["queries_same"] is True
    # The round's status submission writes first: the dashboard is computed, then served from the data cache.
    for workspace in ("dashboard", "cockpit"):
        computed = pages[workspace]["results"]["large"]["queries"]["min"]
        assert pages[f"{workspace}_cached"]["results"]["large"]["queries"]["max"] < computed
    assert result["reference"]["dashboard_sql"]["large"]["requests"] == requests
    assert result["reference"]["cockpit_vs_sql_floor"]["small"] > 0
    assert result["sizes"]["large"]["organization"] == large.slug
    assert result["machine"]["cores"] and result["machine"]["postgresql"]
    assert result["scan"]["organizations"] == 2
    assert result["pdf"]["pages"] >= 1 and Path(result["pdf"]["path"]).read_bytes().startswith(b"%PDF")
    assert {target["name"] for target in result["targets"]} >= {"dashboard p95", "status_submit p95"}

    # Every submission went through the web form into the database, and was removed afterwards with its history.
    writes = result["status_writes"]
    assert writes["submitted"] == writes["written"] == writes["removed"] == 2 * (requests + warmup)
    assert {world.slug: _status_rows(world) for world in (large, small)} == before
    assert "dashboard p95" in printed.getvalue()


def _status_rows(world: OrgWorld) -> tuple[list[int], int]:
    """The organisation's status report ids and the number of their history rows."""
    events: Any = StatusReport.pgh_event_model
    with tenant_context(world.organization):
        reports = sorted(StatusReport.objects.filter(organization=world.organization).values_list("pk", flat=True))
        return reports, events.objects.filter(organization=world.organization).count()
