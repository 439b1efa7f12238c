"""``python manage.py restore_org <slug>``: undo an organisation's soft deletion during the grace period."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from pmo.tenancy.models import Organization
from pmo.tenancy.services import organization_restore


class Command(BaseCommand):
    help = "Restore a deleted organisation (within ORG_PURGE_GRACE_DAYS of its deletion)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug")

    def handle(self, *args: Any, **options: Any) -> None:
        organization = Organization.objects.filter(slug=options["slug"]).first()
        if organization is None:
            raise CommandError(f"No organisation with the slug {options['slug']!r}.")
        try:
            organization_restore(organization=organization)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(self.style.SUCCESS(f"Restored {organization.slug}: its members can use it again."))
