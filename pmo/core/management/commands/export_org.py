"""``python manage.py export_org <slug> [--output path.tar.gz] [--without-password-hashes]``: write one organisation's
complete data as a portable archive (see ``pmo.tenancy.portability`` and docs/operations.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from pmo.tenancy.models import Organization
from pmo.tenancy.portability import organization_export


class Command(BaseCommand):
    help = "Export one organisation (every tenant table, its history, the users it refers to, its files) to a tar.gz."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug")
        parser.add_argument("--output", help="archive path (default: org-<slug>-<UTC timestamp>.tar.gz)")
        parser.add_argument(
            "--without-password-hashes",
            action="store_true",
            help="leave the users' password hashes out (they then set a new password after an import)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        slug = options["slug"]
        organization = Organization.objects.filter(slug=slug).first()
        if organization is None:
            raise CommandError(f"No organisation with the slug {slug!r}.")
        stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
        output = Path(options["output"] or f"org-{slug}-{stamp}.tar.gz")
        result = organization_export(
            organization=organization,
            output=output,
            include_password_hashes=not options["without_password_hashes"],
        )
        rows = sum(result.tables.values())
        self.stdout.write(
            self.style.SUCCESS(
                f"Exported {slug}: {rows} rows in {len(result.tables)} tables, {result.users} users, "
                f"{result.files} files → {result.path}"
            )
        )
        for name in result.missing_files:
            self.stderr.write(f"warning: file not found in storage, not exported: {name}")
