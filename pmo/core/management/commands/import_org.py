"""``python manage.py import_org <archive> [--slug new-slug]``: restore an organisation exported by ``export_org``,
with new ids, in one transaction (see ``pmo.tenancy.portability`` and docs/operations.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from pmo.tenancy.portability import ArchiveRefused, archive_verify, organization_import


class Command(BaseCommand):
    help = "Import an organisation archive written by export_org (all or nothing)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive")
        parser.add_argument("--slug", help="the new organisation's slug (default: the exported one)")
        parser.add_argument("--check", action="store_true", help="only verify the archive; change nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["archive"])
        try:
            if options["check"]:
                manifest = archive_verify(path)
                rows = sum(t["rows"] for t in manifest["tables"].values())
                self.stdout.write(
                    self.style.SUCCESS(f"{path} is readable here: {rows} rows, {manifest['users']} users.")
                )
                return
            result = organization_import(path=path, slug=options["slug"])
        except ArchiveRefused as exc:
            raise CommandError(f"Import refused, nothing was changed: {exc}") from exc
        rows = sum(result.tables.values())
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {result.organization.slug} (id {result.organization.pk}): {rows} rows, "
                f"{result.users_created} users created, {result.users_matched} matched by e-mail, {result.files} files."
            )
        )
