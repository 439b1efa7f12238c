"""The per-organisation data cache (``pmo.core.datacache``) behind the executive dashboard and the PMO cockpit: which
statements count as writes, that a committed write through a service invalidates its organisation's entries and only
its organisation's, that a rolled-back write leaves nothing stale behind, that readers of different visibility never
share an entry, and that a warm page costs a small, fixed number of queries whatever the organisation's size.

Most tests here commit (``transaction=True``): a test whose transaction never commits reads fresh on purpose (a
transaction with pending writes never uses the shared cache), which the last tests check too."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from redis.exceptions import RedisError

from pmo.core import datacache
from pmo.tenancy.access import resolve_organization
from pmo.tenancy.context import tenant_context
from projects.policy import control_policy_get
from projects.selectors import projects_visible_to
from reports.dashboard import caching
from reports.reminders.services import reminder_policy_get
from risks.models import Risk
from risks.scoring import risk_settings_get
from risks.services import risk_create
from tests.conftest import OrgWorld, build_world
from tests.factories import PASSWORD
from tests.factories_kpis import allocate, person, project, report, risk

# A warm page: the session, the user, the organisation and membership with their RLS settings, the layout's inbox
# badge, the transaction; nothing of the organisation's data (measured: 8). The API: the same without the layout (7).
WARM_PAGE_QUERIES = 8
WARM_API_QUERIES = 7


def settle(world: OrgWorld) -> None:
    """Create the organisation's default policies and settings, which a first visit of the pages would write."""
    with tenant_context(world.organization):
        control_policy_get(organization=world.organization)
        risk_settings_get(organization=world.organization)
        reminder_policy_get(organization=world.organization)


def client_for(user: Any) -> Client:
    client = Client()
    assert client.login(username=user.email, password=PASSWORD)
    return client


def dashboard_api(client: Client, world: OrgWorld, **params: Any) -> dict[str, Any]:
    response = client.get(f"/api/v1/orgs/{world.slug}/dashboard/", params)
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


def count_queries(call: Any) -> tuple[Any, int]:
    with CaptureQueriesContext(connection) as captured:
        result = call()
    return result, len(captured.captured_queries)


def new_risk(world: OrgWorld, *, title: str = "Supplier fails", probability: int = 3, impact: int = 4) -> Risk:
    with tenant_context(world.organization):
        return risk_create(
            organization=world.organization,
            actor=world.users["pmo"],
            title=title,
            category=Risk.Category.COMPLIANCE,
            probability=probability,
            impact=impact,
            project=world.projects[0],
        )


# --- Which statements are writes ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sql", "table"),
    [
        ('INSERT INTO "risks_risk" ("title") VALUES (%s)', "risks_risk"),
        ('UPDATE "projects_project" SET "name" = %s WHERE "id" = %s', "projects_project"),
        ('DELETE FROM "risks_risk" WHERE "id" = %s', "risks_risk"),
        ("\n        INSERT INTO resources_allocation (hours) SELECT 1", "resources_allocation"),
        ('WITH moved AS (SELECT 1) UPDATE "risks_risk" SET "title" = %s', "risks_risk"),
        ('TRUNCATE "risks_risk", "projects_project" RESTART IDENTITY', "*"),
        (
            "SELECT set_config('pghistory.context_id', %s, true), set_config('pghistory.context_metadata', %s, true); "
            'INSERT INTO "risks_risk" ("title") VALUES (%s)',
            "risks_risk",
        ),
        ('SELECT "risks_risk"."id" FROM "risks_risk"', None),
        ('SELECT "id" FROM "risks_risk" FOR UPDATE', None),
        ('WITH locked AS (SELECT 1 FROM "risks_risk" FOR UPDATE OF "risks_risk") SELECT 1', None),
        ("SELECT set_config('app.organization_id', '1', true)", None),
        ('CREATE TEMPORARY TABLE "_scale_x" AS SELECT 1', None),
        ('COPY "risks_risk" ("title") FROM STDIN', "risks_risk"),
        ('COPY "risks_risk" TO STDOUT', None),
    ],
)
def test_the_statements_that_count_as_writes(sql: str, table: str | None) -> None:
    assert datacache.written_table(sql) == table


@pytest.mark.parametrize(
    ("sql", "ignored"),
    [
        ('UPDATE "django_session" SET "session_data" = %s WHERE "session_key" = %s', True),
        ('UPDATE "accounts_apitoken" SET "last_used_at" = %s WHERE "accounts_apitoken"."id" = %s', True),
        ('UPDATE "accounts_user" SET "last_login" = %s WHERE "accounts_user"."id" = %s', True),
        ('UPDATE "accounts_user" SET "last_login" = %s, "full_name" = %s WHERE "accounts_user"."id" = %s', False),
        ('UPDATE "accounts_apitoken" SET "revoked_at" = %s WHERE "accounts_apitoken"."id" = %s', False),
        ('INSERT INTO "accounts_apitoken" ("name") VALUES (%s)', False),
    ],
)
def test_writes_made_on_plain_reads_are_ignored(sql: str, ignored: bool) -> None:
    table = datacache.written_table(sql)
    assert table is not None
    assert datacache._ignored(table, sql) is ignored


@pytest.mark.django_db(transaction=True)
def test_the_watcher_is_first_on_every_connection_and_survives_a_wrapper_that_opened_it() -> None:
    seen: list[str] = []

    def spy(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        seen.append(sql)
        return execute(sql, params, many, context)

    connection.close()
    # The cursor opens the connection inside the block: connection_created fires there.
    with connection.execute_wrapper(spy), connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    assert seen == ["SELECT 1"]
    assert connection.execute_wrappers == [datacache.watch_writes]


# --- Invalidation ---------------------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_committed_write_through_a_service_invalidates_its_organisation() -> None:
    world = build_world("alpha")
    settle(world)
    client = client_for(world.users["executive"])
    before = dashboard_api(client, world)
    warm, queries = count_queries(lambda: dashboard_api(client, world))
    assert warm == before and queries <= WARM_API_QUERIES

    new_risk(world)

    after = dashboard_api(client, world)
    assert after["heat_map"]["total"] == before["heat_map"]["total"] + 1
    assert [r["title"] for r in after["top_risks"]] == ["Supplier fails"]


@pytest.mark.django_db(transaction=True)
def test_a_write_in_another_organisation_leaves_the_entry_warm() -> None:
    alpha, beta = build_world("alpha"), build_world("beta")
    settle(alpha)
    client = client_for(alpha.users["executive"])
    dashboard_api(client, alpha)
    version = datacache.versions(alpha.organization.pk, datacache.GLOBAL)

    new_risk(beta)

    assert datacache.versions(alpha.organization.pk, datacache.GLOBAL) == version
    body, queries = count_queries(lambda: dashboard_api(client, alpha))
    assert queries <= WARM_API_QUERIES and body["heat_map"]["total"] == 0
    assert dashboard_api(client_for(beta.users["executive"]), beta)["heat_map"]["total"] == 1


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_write_leaves_no_stale_entry() -> None:
    world = build_world("alpha")
    settle(world)
    client = client_for(world.users["executive"])
    assert dashboard_api(client, world)["heat_map"]["total"] == 0
    access_of = {"user": world.users["executive"], "org_slug": world.slug}

    def heat_total() -> int:
        access = resolve_organization(**access_of)
        return datacache.cached(
            "test-heat",
            organization_id=world.organization.pk,
            parts=caching.reader(access),
            compute=lambda: Risk.objects.filter(organization=world.organization).count(),
        )

    with pytest.raises(RuntimeError), transaction.atomic():
        new_risk(world)
        # Inside the writing transaction the reader sees its own write and stores nothing.
        assert heat_total() == 1
        assert datacache.has_pending_writes()
        raise RuntimeError("roll back")

    assert not datacache.has_pending_writes()
    with transaction.atomic():
        assert heat_total() == 0
    assert dashboard_api(client, world)["heat_map"]["total"] == 0


@pytest.mark.django_db(transaction=True)
def test_a_write_outside_any_tenant_bumps_the_global_version() -> None:
    world = build_world("alpha")
    settle(world)
    before = datacache.versions(world.organization.pk, datacache.GLOBAL)
    user = world.users["manager"]
    user.full_name = "Renamed manager"
    user.save(update_fields=["full_name"])
    organization_version, global_version = datacache.versions(world.organization.pk, datacache.GLOBAL)
    assert organization_version == before[0] and global_version != before[1]


# --- Visibility -----------------------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_readers_of_different_visibility_never_share_an_entry() -> None:
    world = build_world("alpha")
    settle(world)
    with tenant_context(world.organization):
        accesses = {
            role: resolve_organization(user=world.users[role], org_slug=world.slug)
            for role in ("admin", "pmo", "executive", "manager", "member")
        }
    parts = {role: caching.reader(access) for role, access in accesses.items()}
    # Roles that see every project share per role; a manager and a member see their granted projects only.
    assert len(set(parts.values())) == len(parts)
    assert parts["manager"] == ("manager", world.users["manager"].pk)

    def visible(role: str) -> int:
        access = accesses[role]
        with tenant_context(world.organization):
            return datacache.cached(
                "test-visible",
                organization_id=world.organization.pk,
                parts=caching.reader(access),
                compute=lambda: projects_visible_to(access=access).count(),
            )

    assert [visible(role) for role in ("executive", "manager", "member", "executive")] == [3, 1, 1, 3]

    # The cockpit's change requests to sign are the reader's own: a second PMO user starts cold.
    for role in ("pmo", "admin"):
        client = client_for(world.users[role])
        cold, cold_queries = count_queries(lambda c=client: c.get(f"/o/{world.slug}/cockpit/"))
        warm, warm_queries = count_queries(lambda c=client: c.get(f"/o/{world.slug}/cockpit/"))
        assert cold.status_code == warm.status_code == 200
        assert warm_queries <= WARM_PAGE_QUERIES < cold_queries, role


# --- Warm pages cost a small, fixed number of queries ---------------------------------------------------------------


def populate(world: OrgWorld, size: int) -> None:
    last_week = timezone.localdate() - dt.timedelta(days=timezone.localdate().weekday() + 7)
    monday = last_week + dt.timedelta(weeks=1)
    people = [person(world, f"Person {i}") for i in range(3)]
    for index in range(size):
        on = project(world, code=f"W-{index:03d}", name=f"Warm {index}", manager=world.users["manager"])
        report(world, on, last_week, rag="amber", spi=Decimal("0.9"), cpi=Decimal("1.1"), bac=Decimal(100))
        risk(world, on, index + 1, level="project", escalated_at=None, impact=1 + index % 5)
        allocate(world, people[index % 3], on, monday, monday + dt.timedelta(weeks=4), 10)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("size", [3, 30])
def test_warm_pages_cost_a_small_fixed_number_of_queries(size: int) -> None:
    world = build_world("alpha")
    settle(world)
    populate(world, size)
    pages = [
        ("executive", f"/o/{world.slug}/dashboard/", WARM_PAGE_QUERIES),
        ("executive", f"/api/v1/orgs/{world.slug}/dashboard/", WARM_API_QUERIES),
        ("pmo", f"/o/{world.slug}/cockpit/", WARM_PAGE_QUERIES),
        ("pmo", f"/api/v1/orgs/{world.slug}/cockpit/", WARM_API_QUERIES),
    ]
    for role, path, bound in pages:
        client = client_for(world.users[role])
        cold, cold_queries = count_queries(lambda c=client, p=path: c.get(p))
        warm, warm_queries = count_queries(lambda c=client, p=path: c.get(p))
        assert cold.status_code == warm.status_code == 200
        assert warm.content == cold.content or "csrfmiddlewaretoken" in cold.content.decode()
        assert warm_queries <= bound < cold_queries, (path, warm_queries, cold_queries)


# --- A transaction that wrote reads fresh ---------------------------------------------------------------------------


def test_a_test_transaction_that_never_commits_still_sees_its_writes(org_a: OrgWorld) -> None:
    client = client_for(org_a.users["executive"])
    assert dashboard_api(client, org_a)["heat_map"]["total"] == 0
    new_risk(org_a)
    assert datacache.has_pending_writes()
    assert dashboard_api(client, org_a)["heat_map"]["total"] == 1


def test_the_lifetime_of_an_entry_is_the_setting(db: None, settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    stored: list[Any] = []
    monkeypatch.setattr(datacache.cache, "set", lambda key, value, timeout: stored.append(timeout))
    settings.DATACACHE_TIMEOUT = 42
    assert datacache.cached("test-ttl", organization_id=1, parts=(), compute=lambda: "x") == "x"
    assert stored[-1] == 42


def _cache_down(monkeypatch: pytest.MonkeyPatch) -> None:
    def down(*args: Any, **kwargs: Any) -> Any:
        raise RedisError("connection refused")

    for method in ("get", "get_many", "set", "add"):
        monkeypatch.setattr(datacache.cache, method, down)


def test_an_unreachable_cache_does_not_fail_a_write(org_a: OrgWorld, monkeypatch: pytest.MonkeyPatch) -> None:
    _cache_down(monkeypatch)
    new_risk(org_a)  # the bump at once fails and is logged; the write stands
    with tenant_context(org_a.organization):
        assert Risk.objects.filter(organization=org_a.organization).count() == 1
    datacache.bump(org_a.organization.pk)  # as the bump on commit would


def test_an_unreachable_cache_does_not_fail_a_read(db: None, monkeypatch: pytest.MonkeyPatch) -> None:
    _cache_down(monkeypatch)
    assert not datacache.has_pending_writes()
    assert datacache.cached("test-down", organization_id=1, parts=(), compute=lambda: 7) == 7
