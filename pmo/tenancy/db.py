"""Row-Level Security as a migration operation.

``EnableRowLevelSecurity("app_table")`` enables and forces RLS on a table and creates the tenant policy:

    organization_id = NULLIF(current_setting('app.organization_id', true), '')::bigint

for reads (USING) and writes (WITH CHECK).  ``NULLIF`` matters: once a transaction-local setting has been used in
a session, PostgreSQL reports it as '' (not NULL) afterwards, and ``''::bigint`` would raise instead of matching
nothing.  With no organisation set, the policy matches no row.

``extra_using`` adds permissive policies for narrow, deliberate exceptions (for example, a user may read their own
memberships across organisations to build the organisation switcher).
"""

from __future__ import annotations

from typing import Any

from django.db import migrations

TENANT_PREDICATE = "organization_id = NULLIF(current_setting('app.organization_id', true), '')::bigint"


def current_setting_bigint(name: str) -> str:
    return f"NULLIF(current_setting('{name}', true), '')::bigint"


class EnableRowLevelSecurity(migrations.operations.base.Operation):
    reversible = True
    reduces_to_sql = True

    def __init__(self, table: str, extra_using: dict[str, str] | None = None) -> None:
        self.table = table
        self.extra_using = dict(extra_using or {})

    def state_forwards(self, app_label: str, state: Any) -> None:
        """RLS is database-only: the model state does not change."""

    def _forward_sql(self) -> list[str]:
        table = self.table
        sql = [
            f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY',
            f'ALTER TABLE "{table}" FORCE ROW LEVEL SECURITY',
            f'DROP POLICY IF EXISTS tenant_isolation ON "{table}"',
            f'CREATE POLICY tenant_isolation ON "{table}" USING ({TENANT_PREDICATE}) WITH CHECK ({TENANT_PREDICATE})',
        ]
        for name, predicate in self.extra_using.items():
            sql.append(f'DROP POLICY IF EXISTS {name} ON "{table}"')
            sql.append(f'CREATE POLICY {name} ON "{table}" FOR SELECT USING ({predicate})')
        return sql

    def _backward_sql(self) -> list[str]:
        table = self.table
        sql = [f'DROP POLICY IF EXISTS {name} ON "{table}"' for name in self.extra_using]
        sql += [
            f'DROP POLICY IF EXISTS tenant_isolation ON "{table}"',
            f'ALTER TABLE "{table}" NO FORCE ROW LEVEL SECURITY',
            f'ALTER TABLE "{table}" DISABLE ROW LEVEL SECURITY',
        ]
        return sql

    def database_forwards(self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any) -> None:
        for statement in self._forward_sql():
            schema_editor.execute(statement)

    def database_backwards(self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any) -> None:
        for statement in self._backward_sql():
            schema_editor.execute(statement)

    def describe(self) -> str:
        return f"Enable and force row-level security on {self.table}"

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        kwargs: dict[str, Any] = {"table": self.table}
        if self.extra_using:
            kwargs["extra_using"] = self.extra_using
        return (f"{self.__class__.__module__}.{self.__class__.__name__}", [], kwargs)
