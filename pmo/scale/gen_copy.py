"""Fast inserts for the generator: ids taken from each table's own sequence, rows streamed with COPY into a temporary
table and moved into the tenant table with one ``INSERT … SELECT``.

COPY cannot write into the tenant tables themselves: PostgreSQL refuses ``COPY FROM`` on a table with forced
row-level security. The ``INSERT … SELECT`` goes through RLS (its ``WITH CHECK`` proves every row belongs to the
active organisation) and fires the tables' triggers (pghistory's event triggers), as any insert of the application
does. It must run inside ``tenant_context``.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection, models
from psycopg.types.json import Jsonb


class BulkWriter:
    """Inserts rows of Django models in bulk; counts them (``counts``) and the seconds spent writing them, triggers
    included (``seconds``), per table."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.seconds: defaultdict[str, float] = defaultdict(float)
        self._columns: dict[type[models.Model], dict[str, models.Field[Any, Any]]] = {}
        self._pools: dict[type[models.Model], list[int]] = {}
        self._chunks: dict[type[models.Model], int] = {}

    def next_id(self, model: type[models.Model]) -> int:
        """One new primary key of ``model``, from ids taken from its sequence in growing chunks (unused ones are
        left as gaps, as rolled-back inserts leave them)."""
        pool = self._pools.get(model)
        if not pool:
            chunk = min(50_000, self._chunks.get(model, 250) * 2)
            self._chunks[model] = chunk
            pool = self._pools[model] = self.ids(model, chunk)
            pool.reverse()
        return pool.pop()

    def ids(self, model: type[models.Model], count: int) -> list[int]:
        """``count`` new primary keys from the table's identity sequence (so later inserts of the application never
        collide with them)."""
        if count <= 0:
            return []
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [model._meta.db_table, count],
            )
            return sorted(row[0] for row in cursor.fetchall())

    def _fields(self, model: type[models.Model]) -> dict[str, models.Field[Any, Any]]:
        fields = self._columns.get(model)
        if fields is None:
            fields = {
                str(field.column): field
                for field in model._meta.concrete_fields
                if not isinstance(field, models.GeneratedField)
            }
            self._columns[model] = fields
        return fields

    def insert(self, model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
        """Insert ``rows`` (tuples in the order of ``columns``, the database column names) into ``model``'s table.
        JSON columns take Python objects. Returns the number of rows written."""
        fields = self._fields(model)
        unknown = [column for column in columns if column not in fields]
        if unknown:
            raise ValueError(f"{model._meta.db_table} has no column {unknown}")
        json_at = [i for i, column in enumerate(columns) if isinstance(fields[column], models.JSONField)]
        table = model._meta.db_table
        temp = f"_scale_{table}"
        column_list = ", ".join(f'"{column}"' for column in columns)
        started = time.monotonic()
        written = 0
        with connection.cursor() as cursor:
            # Table and column names come from the models, never from input.
            cursor.execute(f'CREATE TEMPORARY TABLE "{temp}" AS SELECT {column_list} FROM "{table}" WITH NO DATA')  # noqa: S608
            raw = cursor.cursor
            with raw.copy(f'COPY "{temp}" ({column_list}) FROM STDIN') as copy:
                for row in rows:
                    if json_at:
                        row = list(row)
                        for i in json_at:
                            row[i] = Jsonb(row[i])
                    copy.write_row(row)
                    written += 1
            if written:
                cursor.execute(f'INSERT INTO "{table}" ({column_list}) SELECT {column_list} FROM "{temp}"')  # noqa: S608
            cursor.execute(f'DROP TABLE "{temp}"')
        self.seconds[table] += time.monotonic() - started
        self.counts[table] += written
        return written
