"""``seed_scale``: tier S is generated once for the module (with the demo beside it, committed, flushed after) and
checked for its counts, its tenancy (every reference stays inside its organisation, RLS shows each organisation
only its own rows), its consistency with what the services and the alert scan would have written, the pages a PMO
opens, idempotence and ``--reset``."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from io import StringIO
from typing import Any

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import connection, models
from django.test import Client
from django.urls import reverse

from pmo.scale import generator
from pmo.scale.gen_plan import OrgPlan, tier_plans
from pmo.tenancy.context import tenant_context
from pmo.tenancy.models import Membership, Organization, TenantModel
from pmo.tenancy.roles import Role
from portfolio.models import Portfolio
from projects.models import Milestone, Project, ProjectUserObjectPermission, StatusReport
from reports.alerts.scan import alert_scan_organization
from reports.models import Alert
from resources.models import Allocation, Person
from risks.models import Risk

pytestmark = pytest.mark.django_db

S_PROJECTS = {"scale-001": 40, "scale-002": 12, "scale-003": 8}
PASSWORD = "demo12345"


@dataclass
class Generated:
    output: str
    seconds: float


@pytest.fixture(scope="module")
def scale_s(django_db_setup: None, django_db_blocker: Any) -> Iterator[Generated]:
    """The demo and tier S, generated once and committed (the commit runs every deferred foreign-key check);
    the database is flushed after the module."""
    with django_db_blocker.unblock():
        try:
            call_command("seed_demo", stdout=StringIO())
            out = StringIO()
            started = time.monotonic()
            call_command("seed_scale", tier="S", stdout=out)
            yield Generated(output=out.getvalue(), seconds=time.monotonic() - started)
        finally:
            call_command("flush", interactive=False, verbosity=0)


def org(slug: str) -> Organization:
    return Organization.objects.get(slug=slug)


def count_rows(organization: Organization, table: str) -> int:
    with tenant_context(organization), connection.cursor() as cursor:
        cursor.execute(f'SELECT count(*) FROM "{table}"')  # noqa: S608 - a model's table name
        return int(cursor.fetchone()[0])


def login(slug: str, role: str = Role.PMO) -> Client:
    client = Client()
    assert client.login(username=f"{role}@{slug}.example", password=PASSWORD)
    return client


# --- The plans -------------------------------------------------------------------------------------------------


def test_tiers_have_the_stated_shape() -> None:
    m = tier_plans("M")
    assert len(m) == 50
    assert sum(plan.projects for plan in m) == 2000
    sizes = {plan.slug: plan.projects for plan in m}
    assert sizes["scale-001"] == 400 and sizes["scale-002"] == 40
    assert max(sizes.values()) == 400 and min(sizes.values()) >= 8
    assert len({plan.slug for plan in m}) == 50
    assert 8 <= sum(plan.chinese for plan in m) <= 15
    assert {plan.pmo_type for plan in m} == {"supportive", "controlling", "directive"}
    large = tier_plans("L")
    assert large[:-1] == m and (large[-1].slug, large[-1].projects) == ("scale-xl", 4000)
    assert [(p.slug, p.projects) for p in tier_plans("S")] == list(S_PROJECTS.items())


def test_an_unknown_tier_is_a_clear_error_and_changes_nothing() -> None:
    with pytest.raises(CommandError, match="Unknown tier 'X': choose one of S, M, L"):
        call_command("seed_scale", tier="X", stdout=StringIO())
    assert not Organization.objects.filter(slug__startswith="scale-").exists()


# --- Tier S ----------------------------------------------------------------------------------------------------


def test_tier_s_generates_the_stated_counts_in_seconds(scale_s: Generated) -> None:
    assert scale_s.seconds < 30, scale_s.output
    assert "Tier S: generated 3 organisations (60 projects" in scale_s.output
    for slug, projects in S_PROJECTS.items():
        organization = org(slug)
        with tenant_context(organization):
            assert Project.objects.count() == projects
            roles = dict(Membership.objects.values_list("user__email", "role"))
            for role in Role:
                assert roles[f"{role.value}@{slug}.example"] == role.value
            managers = [email for email, role in roles.items() if role == Role.MANAGER]
            assert len(managers) == -(-projects // 8)
            people = Person.objects.count()
            assert abs(people - 2.5 * projects) <= 0.1 * projects + 4
            assert Person.objects.filter(user__isnull=True).count() > 0.8 * people
            risks = Risk.objects.count()
            assert 18 * projects <= risks <= 32 * projects + 10
            allocations = Allocation.objects.count()
            assert 90 * projects <= allocations <= 180 * projects
            reporting = Project.objects.filter(status__in=["active", "on_hold"])
            weeks = StatusReport.objects.filter(project__in=reporting).count() / max(1, reporting.count())
            assert 40 <= weeks <= 61
    # Counts per table and the phases' times are printed.
    for line in ("projects_statusreport", "resources_allocation", "risks_risk", "Elapsed per phase:", "analyze"):
        assert line in scale_s.output


def test_organisations_are_realistic(scale_s: Generated) -> None:
    chinese = org("scale-003")
    assert chinese.default_language == "zh-hans"
    largest = org("scale-001")
    with tenant_context(chinese):
        assert all(
            any("\u4e00" <= ch <= "\u9fff" for ch in name) for name in Project.objects.values_list("name", flat=True)
        )
        assert any("\u4e00" <= ch <= "\u9fff" for ch in Risk.objects.values_list("title", flat=True).first() or "")
    with tenant_context(largest):
        statuses = set(Project.objects.values_list("status", flat=True))
        assert {"active", "closed"} <= statuses
        assert Portfolio.objects.count() >= 2
        assert Milestone.objects.filter(actual_date__isnull=True, forecast_date__gt=models.F("baseline_date")).exists()
        assert Risk.objects.filter(status="open").exclude(escalation_level="project").exists()
        assert Alert.objects.filter(state="resolved").exists()
        assert Alert.objects.exclude(state="resolved").exists()
        # manager@ manages (and is granted) some of the largest organisation's projects.
        manager = Membership.objects.get(user__email="manager@scale-001.example").user
        mine = Project.objects.filter(manager=manager)
        assert mine.count() >= 3
        granted = ProjectUserObjectPermission.objects.filter(
            user=manager, permission__codename="change_project"
        ).values_list("content_object_id", flat=True)
        assert set(mine.values_list("pk", flat=True)) <= set(granted)
        # Every project's manager is granted view and change on it.
        pairs = set(
            ProjectUserObjectPermission.objects.filter(
                permission__codename__in=["view_project", "change_project"]
            ).values_list("content_object_id", "user_id", "permission__codename")
        )
        for pk, manager_id in Project.objects.values_list("pk", "manager_id"):
            assert {(pk, manager_id, "view_project"), (pk, manager_id, "change_project")} <= pairs
        # Some people are booked over their capacity in some week.
        assert over_allocated_people(largest) > 0


def over_allocated_people(organization: Organization) -> int:
    with tenant_context(organization), connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT count(DISTINCT p.id) FROM resources_person p
            JOIN LATERAL (
                SELECT w.week, sum(a.hours_per_week) AS hours
                FROM resources_allocation a
                CROSS JOIN LATERAL generate_series(a.start_week, a.end_week, interval '7 days') AS w(week)
                WHERE a.person_id = p.id GROUP BY w.week
            ) booked ON booked.hours > p.weekly_capacity * 1.1
            """
        )
        return int(cursor.fetchone()[0])


def test_weekly_status_figures_are_consistent(scale_s: Generated) -> None:
    """EV = % complete × BAC on every submitted report; percent complete, EV and AC never go down from one week to
    the next; each submitted report has its revisions, the latest one holding the report's figures."""
    for slug in S_PROJECTS:
        with tenant_context(org(slug)), connection.cursor() as cursor:
            cursor.execute(
                """
                SELECT count(*) FROM projects_statusreport
                WHERE revision > 0 AND abs(ev - round(percent_complete / 100 * bac, 2)) > 0.01
                """
            )
            assert cursor.fetchone()[0] == 0
            cursor.execute(
                """
                SELECT count(*) FROM (
                    SELECT percent_complete - lag(percent_complete) OVER w AS dp,
                           actual_cost - lag(actual_cost) OVER w AS dc
                    FROM projects_statusreport WINDOW w AS (PARTITION BY project_id ORDER BY week_start)
                ) d WHERE dp < 0 OR dc < 0
                """
            )
            assert cursor.fetchone()[0] == 0
            cursor.execute(
                """
                SELECT count(*) FROM projects_statusreport r
                WHERE r.revision > 0 AND NOT EXISTS (
                    SELECT 1 FROM projects_statusrevision v
                    WHERE v.report_id = r.id AND v.number = r.revision
                      AND v.ev = r.ev AND v.pv IS NOT DISTINCT FROM r.pv
                )
                """
            )
            assert cursor.fetchone()[0] == 0
            cursor.execute("SELECT count(DISTINCT state) FROM projects_statusreport")
            assert cursor.fetchone()[0] >= 2


def test_the_alert_scan_finds_nothing_to_open_or_resolve(scale_s: Generated) -> None:
    """The open alerts are the ones the scan would open on this data."""
    for slug in S_PROJECTS:
        organization = org(slug)
        with tenant_context(organization):
            open_before = Alert.objects.exclude(state="resolved").count()
            scan = alert_scan_organization(organization=organization, trigger="manual")
            assert (scan.opened, scan.resolved, scan.still_open) == (0, 0, open_before)


# --- Tenancy ---------------------------------------------------------------------------------------------------


def tenant_models() -> list[type[models.Model]]:
    return [
        model
        for model in apps.get_models()
        if issubclass(model, TenantModel) and not model._meta.proxy and model._meta.managed
    ]


def test_every_row_references_only_its_own_organisation(scale_s: Generated) -> None:
    """Under each generated organisation's RLS, every foreign key of its tenant rows finds its target (a row of
    another organisation would be invisible), and every user referenced is a member of it; the deferred foreign
    keys hold (the module's commit checked them; checked again here)."""
    connection.check_constraints()
    # Table and column names come from the models.
    checks = []
    for model in tenant_models():
        for field in model._meta.concrete_fields:
            if not isinstance(field, models.ForeignKey) or field.name == "organization":
                continue
            target = field.related_model
            if isinstance(target, type) and issubclass(target, TenantModel):
                sql = f'SELECT "{target._meta.pk.column}" FROM "{target._meta.db_table}"'  # noqa: S608
            elif target is Membership.user.field.related_model:
                sql = "SELECT user_id FROM tenancy_membership"
            else:
                continue
            checks.append(
                f'SELECT %s, count(*) FROM "{model._meta.db_table}" c WHERE c."{field.column}" IS NOT NULL '  # noqa: S608
                f'AND c."{field.column}" NOT IN ({sql})'
            )
    assert len(checks) > 100
    for slug in S_PROJECTS:
        with tenant_context(org(slug)), connection.cursor() as cursor:
            for check in checks:
                cursor.execute(check, [check])
                label, broken = cursor.fetchone()
                assert broken == 0, (slug, label)


def test_each_organisation_sees_only_its_own_rows(scale_s: Generated) -> None:
    first, second = org("scale-001"), org("scale-002")
    with tenant_context(first):
        theirs = list(Project.objects.values_list("pk", flat=True))
        their_reports = list(StatusReport.objects.values_list("pk", flat=True)[:50])
    assert len(theirs) == 40
    with tenant_context(second), connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM projects_project WHERE id = ANY(%s)", [theirs])
        assert cursor.fetchone()[0] == 0
        cursor.execute("SELECT count(*) FROM projects_statusreport WHERE id = ANY(%s)", [their_reports])
        assert cursor.fetchone()[0] == 0
        cursor.execute("SELECT count(DISTINCT organization_id) FROM risks_risk")
        assert cursor.fetchone()[0] == 1
    assert count_rows(first, "projects_project") == 40
    # A user of one organisation gets 404 for another's pages and API.
    client = login("scale-002")
    assert client.get(reverse("dashboard", kwargs={"org_slug": "scale-001"})).status_code == 404
    assert client.get(reverse("project-detail", kwargs={"org_slug": "scale-001", "pk": theirs[0]})).status_code == 404
    assert client.get(f"/api/v1/orgs/scale-001/projects/{theirs[0]}/").status_code == 404


def test_the_pmo_opens_every_main_page(scale_s: Generated) -> None:
    for slug in S_PROJECTS:
        organization = org(slug)
        with tenant_context(organization):
            project = Project.objects.filter(status="active").order_by("code").first()
            portfolio = Portfolio.objects.order_by("pk").first()
        assert project is not None and portfolio is not None
        client = login(slug)
        kwargs = {"org_slug": slug}
        for url in [
            reverse("dashboard", kwargs=kwargs),
            reverse("cockpit", kwargs=kwargs),
            reverse("project-list", kwargs=kwargs),
            reverse("project-detail", kwargs={**kwargs, "pk": project.pk}),
            reverse("risk-list", kwargs=kwargs),
            reverse("risk-portfolio", kwargs={**kwargs, "pk": portfolio.pk}),
            reverse("resources-home", kwargs=kwargs),
            reverse("overallocations", kwargs=kwargs),
            f"/api/v1/orgs/{slug}/projects/",
        ]:
            response = client.get(url)
            assert response.status_code == 200, url
        # The project list shows this organisation's projects and no other's.
        body = client.get(reverse("project-list", kwargs=kwargs)).content.decode()
        assert project.code in body


# --- Idempotence and reset -------------------------------------------------------------------------------------


def snapshot() -> dict[str, tuple[int, int, int]]:
    result = {}
    for organization in Organization.objects.order_by("slug"):
        with tenant_context(organization):
            result[organization.slug] = (
                organization.pk,
                Project.objects.count(),
                StatusReport.objects.count(),
            )
    return result


def test_a_second_run_is_a_no_op(scale_s: Generated) -> None:
    before = snapshot()
    out = StringIO()
    call_command("seed_scale", tier="S", stdout=out)
    assert "Tier S exists already (3 organisations): nothing to do" in out.getvalue()
    assert snapshot() == before


def test_another_tier_is_refused_without_reset(scale_s: Generated) -> None:
    before = snapshot()
    with pytest.raises(CommandError, match="scale-001 holds 40 projects where this tier plans 400"):
        call_command("seed_scale", tier="M", stdout=StringIO())
    assert snapshot() == before


def test_a_larger_tier_adds_only_its_missing_organisations(scale_s: Generated, monkeypatch: Any) -> None:
    """As ``--tier L`` on tier M adds only ``scale-xl``: here a tier of S's organisations and a small extra one."""
    before = snapshot()
    extra = OrgPlan("scale-xl", "Quadrant XL", 5, "en", "controlling", "Asia/Shanghai", "CNY")
    monkeypatch.setattr(generator, "tier_plans", lambda tier: [*tier_plans("S"), extra])
    result = generator.scale_generate(tier="L")
    assert (result.generated, result.existing) == (["scale-xl"], list(S_PROJECTS))
    connection.check_constraints()
    after = snapshot()
    assert after.pop("scale-xl")[1] == 5
    assert after == before


def test_reset_regenerates_without_touching_the_demo(scale_s: Generated) -> None:
    before = snapshot()
    assert {"acme", "globex"} <= set(before)
    with tenant_context(org("scale-001")):
        old_projects = set(Project.objects.values_list("pk", flat=True))
    with tenant_context(org("scale-002")):
        first = list(Project.objects.order_by("code").values_list("code", "name", "status", "budget_at_completion"))
    out = StringIO()
    call_command("seed_scale", tier="S", reset=True, quiet=True, stdout=out)
    assert "Tier S: generated 3 organisations" in out.getvalue()
    connection.check_constraints()
    after = snapshot()
    for slug in ("acme", "globex"):
        assert after[slug] == before[slug]
    for slug, projects in S_PROJECTS.items():
        assert after[slug][0] != before[slug][0]  # a new organisation row
        assert after[slug][1] == projects
    with tenant_context(org("scale-001")):
        assert not old_projects & set(Project.objects.values_list("pk", flat=True))
    # The users were replaced too, and log in with the demo password.
    assert login("scale-001").get(reverse("dashboard", kwargs={"org_slug": "scale-001"})).status_code == 200
    # Deterministic for a seed: the same projects again.
    with tenant_context(org("scale-002")):
        again = list(Project.objects.order_by("code").values_list("code", "name", "status", "budget_at_completion"))
    assert again == first
