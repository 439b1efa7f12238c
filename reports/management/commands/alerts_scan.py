"""``manage.py alerts_scan [--org slug]``: scan every active organisation (or one) now and print the time each took
and the total — the figures of the alert scan's benchmark."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from pmo.tenancy.context import tenant_context
from pmo.tenancy.models import Organization
from reports.alerts.scan import alert_scan_organization


class Command(BaseCommand):
    help = "Run the alert scan of every active organisation (or --org SLUG) and print the time per organisation."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--org", help="the slug of one organisation")

    def handle(self, *args: Any, **options: Any) -> None:
        organizations = Organization.objects.filter(is_active=True).order_by("slug")
        if options.get("org"):
            organizations = organizations.filter(slug=options["org"])
            if not organizations.exists():
                raise CommandError(f"No active organisation {options['org']!r}.")
        started = time.perf_counter()
        for organization in organizations:
            begun = time.perf_counter()
            with tenant_context(organization):
                scan = alert_scan_organization(organization=organization, trigger="manual")
            elapsed = (time.perf_counter() - begun) * 1000
            self.stdout.write(
                f"{organization.slug}: {elapsed:.0f} ms (scan {scan.duration_ms} ms) — {scan.rules} rules, "
                f"{scan.evaluated} values, {scan.opened} opened, {scan.resolved} resolved, {scan.still_open} still open"
            )
        self.stdout.write(f"total: {(time.perf_counter() - started) * 1000:.0f} ms")
