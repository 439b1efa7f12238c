"""``seed_scale``: generate a tier of realistic organisations (``pmo.scale.gen_plan``) for the benchmark.

Each organisation is generated in one transaction, as the application role with its tenant active
(``tenant_context``: RLS checks every row, pghistory's triggers record every insert): the organisation and its
users, the setup hooks' defaults, portfolios, then projects and their lifecycle (``gen_projects``), weekly status
(``gen_status``), the RAID log (``gen_risks``), people and their weeks (``gen_resources``), alerts and report history
(``gen_reports``). Bulk rows go through COPY into a temporary table and one ``INSERT … SELECT`` per table
(``gen_copy``). The content is deterministic for a seed, relative to today.

Idempotent: a tier whose organisations all exist is left alone; missing ones are generated (``L`` on a database
holding ``M`` adds ``scale-xl`` only). Organisations of another tier (other slugs, or other sizes) are refused
unless ``reset`` removes every ``scale-*`` organisation first. Nothing else (e.g. the demo's ``acme`` and
``globex``) is ever touched.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

import pghistory.models
from django.apps import apps
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone

from pmo.core.management.commands.seed_demo import DEMO_PASSWORD
from pmo.scale.gen_context import Gen
from pmo.scale.gen_copy import BulkWriter
from pmo.scale.gen_org import (
    defaults_install,
    organization_create,
    portfolios_create,
    users_create,
)
from pmo.scale.gen_plan import SLUG_PREFIX, TIERS, OrgPlan, tier_plans
from pmo.scale.gen_projects import projects_generate
from pmo.scale.gen_reports import reports_generate
from pmo.scale.gen_resources import resources_generate
from pmo.scale.gen_risks import risks_generate
from pmo.scale.gen_status import status_generate
from pmo.tenancy.context import tenant_context
from pmo.tenancy.models import Organization
from projects.models import Project
from projects.policy import control_policy_get, current_week_start, organization_zone
from projects.services import organization_today

DEFAULT_SEED = 20260901
PHASES = ("frame", "projects", "status", "risks", "resources", "alerts and reports", "commit")
Log = Callable[[str], None]


def declare_no_ignored_triggers() -> None:
    """Say, for the rest of the transaction, that no trigger is to be ignored (``pgtrigger.ignore`` = ``{}``).

    Every pghistory trigger first asks pgtrigger whether it is ignored; when the setting was never defined in the
    session, reading it raises an error that the check catches in a subtransaction, which costs three quarters of
    the trigger's time (measured: 0.23 ms a row, 0.06 ms with the setting defined). Defining it as the empty list
    ignores nothing: every trigger still fires and records its event."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('pgtrigger.ignore', '{}', true)")


class ScaleTierConflict(Exception):
    """The database holds scale organisations that do not belong to the requested tier."""


@dataclass
class ScaleResult:
    tier: str
    generated: list[str] = field(default_factory=list)
    existing: list[str] = field(default_factory=list)
    projects: int = 0
    rows: Counter[str] = field(default_factory=Counter)  # every tenant table's rows in the generated organisations
    phases: dict[str, float] = field(default_factory=lambda: dict.fromkeys(PHASES, 0.0))  # seconds per phase
    write_seconds: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))  # inserting, per table
    reset_seconds: float = 0.0
    analyze_seconds: float = 0.0
    seconds: float = 0.0


def tenant_tables() -> list[str]:
    """Every table with an ``organization_id`` column, pghistory's event tables last (deleting rows of a tracked
    table records delete events, which must go too)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.table_name FROM information_schema.columns c
            JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
            WHERE c.table_schema = current_schema() AND c.column_name = 'organization_id'
              AND t.table_type = 'BASE TABLE'
            ORDER BY c.table_name
            """
        )
        tables = [row[0] for row in cursor.fetchall()]
    events = {model._meta.db_table for model in apps.get_models() if issubclass(model, pghistory.models.Event)}
    return [t for t in tables if t not in events] + [t for t in tables if t in events]


def scale_organizations() -> list[Organization]:
    return list(Organization.objects.filter(slug__startswith=SLUG_PREFIX).order_by("slug"))


def scale_reset(*, log: Log) -> float:
    """Remove every ``scale-*`` organisation, all its rows and its users (``<…>@<slug>.example``), one transaction
    per organisation: each tenant table's rows deleted inside its tenant context (foreign keys are checked at
    commit, so the order of the tables does not matter, except that event tables go last)."""
    started = time.monotonic()
    tables = tenant_tables()
    for organization in scale_organizations():
        with transaction.atomic():
            declare_no_ignored_triggers()
            with tenant_context(organization), connection.cursor() as cursor:
                for table in tables:
                    cursor.execute(f'DELETE FROM "{table}" WHERE organization_id = %s', [organization.pk])  # noqa: S608
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT id FROM accounts_user WHERE lower(email) LIKE %s", [f"%@{organization.slug}.example"]
                )
                user_ids = [row[0] for row in cursor.fetchall()]
                for table in ("accounts_apitoken", "accounts_user_groups", "accounts_user_user_permissions",
                              "guardian_userobjectpermission", "django_admin_log"):  # fmt: skip
                    cursor.execute(f'DELETE FROM "{table}" WHERE user_id = ANY(%s)', [user_ids])  # noqa: S608
                cursor.execute("DELETE FROM accounts_user WHERE id = ANY(%s)", [user_ids])
                cursor.execute("DELETE FROM tenancy_organization WHERE id = %s", [organization.pk])
        log(f"  removed {organization.slug}")
    return time.monotonic() - started


def _project_count(organization: Organization) -> int:
    with tenant_context(organization):
        return Project.objects.count()


def _check_existing(plans: list[OrgPlan]) -> list[str]:
    """The slugs of ``plans`` that exist already; ``ScaleTierConflict`` when another tier's organisations are there."""
    wanted = {plan.slug: plan for plan in plans}
    existing = scale_organizations()
    strangers = [o.slug for o in existing if o.slug not in wanted]
    if strangers:
        raise ScaleTierConflict(
            f"{len(strangers)} scale organisations of another tier exist ({', '.join(strangers[:5])}…); "
            "run with --reset to replace them."
        )
    for organization in existing:
        count, planned = _project_count(organization), wanted[organization.slug].projects
        if count != planned:
            raise ScaleTierConflict(
                f"{organization.slug} holds {count} projects where this tier plans {planned} (another tier or an "
                "edited organisation); run with --reset to replace it."
            )
    return [o.slug for o in existing]


def _table_rows(tables: list[str]) -> Counter[str]:
    """Rows of each table visible in the active tenant (RLS scopes the counts to it)."""
    rows: Counter[str] = Counter()
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f'SELECT count(*) FROM "{table}"')  # noqa: S608 - a table name from the catalogue
            count = cursor.fetchone()[0]
            if count:
                rows[table] = count
    return rows


def organization_generate(plan: OrgPlan, *, seed: int, password_hash: str, result: ScaleResult) -> None:
    """One organisation, all or nothing."""
    phases = result.phases
    mark = time.monotonic()

    def lap(name: str) -> None:
        nonlocal mark
        now = time.monotonic()
        phases[name] += now - mark
        mark = now

    with transaction.atomic():
        organization = organization_create(plan)
        declare_no_ignored_triggers()
        with tenant_context(organization):
            now = timezone.now()
            gen = Gen(
                organization=organization,
                plan=plan,
                rng=random.Random(f"{seed}:{plan.slug}"),  # noqa: S311 - test data, not secrets
                writer=BulkWriter(),
                now=now,
                today=organization_today(organization),
                current_week=current_week_start(organization=organization, now=now),
                zone=organization_zone(organization),
                policy=control_policy_get(organization=organization),
            )
            users_create(gen, password_hash=password_hash)
            defaults_install(gen)
            gen.policy = control_policy_get(organization=organization)
            portfolios_create(gen)
            lap("frame")
            projects_generate(gen)
            lap("projects")
            status_generate(gen)
            lap("status")
            risks_generate(gen)
            lap("risks")
            resources_generate(gen)
            lap("resources")
            reports_generate(gen)
            lap("alerts and reports")
            for table, seconds in gen.writer.seconds.items():
                result.write_seconds[table] += seconds
        result.rows["accounts_user"] += len(gen.managers) + len(gen.users) - 1
    lap("commit")
    result.generated.append(plan.slug)
    result.projects += plan.projects


def scale_generate(
    *, tier: str, seed: int = DEFAULT_SEED, reset: bool = False, log: Log = lambda _line: None
) -> ScaleResult:
    """Generate ``tier`` (see the module docstring). ``ScaleTierConflict`` when other scale data is in the way."""
    if tier not in TIERS:
        raise ValueError(f"unknown tier {tier!r}")
    started = time.monotonic()
    result = ScaleResult(tier=tier)
    if reset:
        result.reset_seconds = scale_reset(log=log)
    plans = tier_plans(tier)
    result.existing = _check_existing(plans)
    missing = [plan for plan in plans if plan.slug not in result.existing]
    if missing:
        password_hash = make_password(DEMO_PASSWORD)
        tables = tenant_tables()
        for plan in missing:
            org_started = time.monotonic()
            organization_generate(plan, seed=seed, password_hash=password_hash, result=result)
            log(f"  {plan.slug} ({plan.name}, {plan.language}): {plan.projects} projects in "
                f"{time.monotonic() - org_started:.1f} s")  # fmt: skip
        analyze_started = time.monotonic()
        with connection.cursor() as cursor:
            for table in [*tables, "accounts_user", "tenancy_organization"]:
                cursor.execute(f'ANALYZE "{table}"')
        result.analyze_seconds = time.monotonic() - analyze_started
        # Counted after ANALYZE, so that each count reads its organisation's rows by index.
        for organization in Organization.objects.filter(slug__in=result.generated):
            with tenant_context(organization):
                result.rows.update(_table_rows(tables))
    result.seconds = time.monotonic() - started
    return result


def elapsed(seconds: float) -> str:
    return str(dt.timedelta(seconds=round(seconds)))
