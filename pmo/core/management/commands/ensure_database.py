"""``python manage.py ensure_database``: create the configured database when it does not exist yet.

The benchmark keeps its generated data in a database of its own (``PMO_DB_NAME``, e.g. ``pmo_bench_m``) on the
same server as the demo data; this creates it, owned by the application role, which needs only ``CREATEDB``.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import connection
from psycopg import sql


class Command(BaseCommand):
    help = "Create the database named in the settings (PMO_DB_NAME or DATABASE_URL) if it does not exist."

    def handle(self, *args: Any, **options: Any) -> None:
        name = connection.settings_dict["NAME"]
        with connection._nodb_cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if cursor.fetchone():
                self.stdout.write(f"Database {name} exists.")
                return
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)).as_string(cursor.connection))
        self.stdout.write(self.style.SUCCESS(f"Created database {name}."))
