"""Canaries for Row-Level Security: the last line of tenant isolation must hold even for raw SQL."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from pmo.tenancy.context import TenantContextMissing, current_organization_id
from pmo.tenancy.models import Membership
from projects.models import Project
from tests.conftest import OrgWorld

pytestmark = pytest.mark.django_db


def tenant_tables() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.table_name FROM information_schema.columns c
            JOIN information_schema.tables t ON t.table_name = c.table_name AND t.table_schema = c.table_schema
            WHERE c.table_schema = 'public' AND c.column_name = 'organization_id' AND t.table_type = 'BASE TABLE'
            ORDER BY 1
            """
        )
        return [row[0] for row in cursor.fetchall()]


def clear_settings() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('app.organization_id', '', true), set_config('app.user_id', '', true)")


def count(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT count(*) FROM "{table}"')  # noqa: S608 - table names come from the catalogue
        return int(cursor.fetchone()[0])


def test_application_role_is_neither_superuser_nor_bypassrls() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
        assert cursor.fetchone() == (False, False)


def test_every_tenant_table_has_rls_enabled_forced_and_a_tenant_policy() -> None:
    tables = tenant_tables()
    assert {"tenancy_membership", "projects_project", "projects_projectevent"} <= set(tables)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,
                   EXISTS (SELECT 1 FROM pg_policies p
                           WHERE p.tablename = c.relname AND p.policyname = 'tenant_isolation')
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'public' AND c.relname = ANY(%s)
            """,
            [tables],
        )
        rows = {name: (enabled, forced, policy) for name, enabled, forced, policy in cursor.fetchall()}
    missing = [t for t in tables if rows.get(t) != (True, True, True)]
    assert missing == [], f"tables without enabled+forced RLS and a tenant policy: {missing}"


def test_raw_sql_without_an_organisation_sees_no_tenant_rows(org_a: OrgWorld, org_b: OrgWorld) -> None:
    with org_a.ctx():
        assert Project.objects.count() == 3  # the rows exist ...
    clear_settings()
    for table in tenant_tables():
        assert count(table) == 0, f"{table} leaks rows with no organisation set"


def test_with_organisation_a_set_b_is_invisible_and_cannot_be_written(org_a: OrgWorld, org_b: OrgWorld) -> None:
    a_id, b_id = org_a.organization.pk, org_b.organization.pk
    b_project = org_b.projects[0]
    clear_settings()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT set_config('app.organization_id', %s, true)", [str(a_id)])
        cursor.execute("SELECT DISTINCT organization_id FROM projects_project")
        assert [row[0] for row in cursor.fetchall()] == [a_id]
        cursor.execute("SELECT count(*) FROM projects_project WHERE id = %s", [b_project.pk])
        assert cursor.fetchone()[0] == 0
        cursor.execute("UPDATE projects_project SET name = 'hijacked' WHERE id = %s", [b_project.pk])
        assert cursor.rowcount == 0
        cursor.execute("DELETE FROM tenancy_membership WHERE organization_id = %s", [b_id])
        assert cursor.rowcount == 0
        with pytest.raises(DatabaseError, match="row-level security"), transaction.atomic():
            cursor.execute(
                "INSERT INTO projects_project (organization_id, code, name, description, status, created_at)"
                " VALUES (%s, 'X-1', 'intruder', '', 'active', now())",
                [b_id],
            )
        with pytest.raises(DatabaseError, match="row-level security"), transaction.atomic():
            cursor.execute(
                "UPDATE projects_project SET organization_id = %s WHERE id = %s", [b_id, org_a.projects[0].pk]
            )
    with org_b.ctx():
        assert Project.objects.get(pk=b_project.pk).name == b_project.name


def test_a_user_reads_only_their_own_memberships_across_organisations(org_a: OrgWorld, org_b: OrgWorld) -> None:
    user = org_a.users["manager"]
    clear_settings()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT set_config('app.user_id', %s, true)", [str(user.pk)])
        cursor.execute("SELECT user_id, organization_id FROM tenancy_membership")
        assert cursor.fetchall() == [(user.pk, org_a.organization.pk)]
        with pytest.raises(DatabaseError, match="row-level security"), transaction.atomic():
            cursor.execute(
                "INSERT INTO tenancy_membership (organization_id, user_id, role, created_at)"
                " VALUES (%s, %s, 'admin', now())",
                [org_b.organization.pk, user.pk],
            )


def test_tenant_manager_fails_closed_without_an_organisation(org_a: OrgWorld) -> None:
    assert current_organization_id() is None
    with pytest.raises(TenantContextMissing):
        list(Project.objects.all())
    with pytest.raises(TenantContextMissing):
        Membership.objects.count()


def test_tenant_manager_scopes_to_the_active_organisation(org_a: OrgWorld, org_b: OrgWorld) -> None:
    with org_a.ctx():
        assert {p.organization_id for p in Project.objects.all()} == {org_a.organization.pk}
        with pytest.raises(Project.DoesNotExist):
            Project.objects.get(pk=org_b.projects[0].pk)
        with org_b.ctx():
            assert Project.objects.filter(pk=org_b.projects[0].pk).exists()
        # leaving the nested block restores A, in the ORM and in the database
        assert current_organization_id() == org_a.organization.pk
        assert not Project.dangerously_unscoped.filter(pk=org_b.projects[0].pk).exists()
    assert current_organization_id() is None


def test_orm_escape_hatch_is_still_bound_by_rls(org_a: OrgWorld, org_b: OrgWorld) -> None:
    with org_a.ctx():
        assert set(Project.dangerously_unscoped.values_list("organization_id", flat=True)) == {org_a.organization.pk}


def test_a_request_leaves_no_tenant_behind(org_a: OrgWorld, client) -> None:
    client.force_login(org_a.users["admin"])
    assert client.get(f"/o/{org_a.slug}/").status_code == 200
    assert current_organization_id() is None


def test_the_tenant_defines_no_ignored_triggers_and_history_is_still_recorded(org_a: OrgWorld) -> None:
    """pgtrigger's triggers read ``pgtrigger.ignore``; defined as the empty list with the tenant, no trigger is
    skipped (pghistory still records the write) and none pays the error that an undefined setting raises."""
    with org_a.ctx(), connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('pgtrigger.ignore', true)")
        (ignored,) = cursor.fetchone()
        project = org_a.projects[0]
        before = project.events.count()
        Project.objects.filter(pk=project.pk).update(name="Renamed under the tenant")
        after = project.events.count()
    assert ignored == "{}"
    assert after == before + 1
