"""``python manage.py bench``: serve the application with gunicorn on the current database and measure it against
the performance targets of issue 9 (see ``pmo.scale.bench`` and docs/performance.md). Exits non-zero only when
the benchmark could not run (a page answered an error, a login failed, data is missing), not on a missed target."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from pmo import embedded
from pmo.scale.bench import DEFAULT_PASSWORD, DEFAULT_REQUESTS, DEFAULT_WARMUP, PAGE_KEYS, Bench, Options
from pmo.scale.bench_data import DataMissing
from pmo.scale.bench_http import BenchError

DEFAULT_OUTPUT = Path("test-artifacts/bench/bench.json")


def _pages(value: str) -> tuple[str, ...]:
    pages = tuple(part.strip() for part in value.split(",") if part.strip())
    unknown = [page for page in pages if page not in PAGE_KEYS]
    if unknown or not pages:
        raise CommandError(f"unknown page(s) {', '.join(unknown) or '(none)'}; choose among {', '.join(PAGE_KEYS)}")
    return pages


class Command(BaseCommand):
    help = (
        "Serve the app with gunicorn on this database and print p50/p95 latency and queries per request of the "
        "main pages at two data sizes, against the framework floor and hand-written SQL; the alert scan and the "
        "monthly pack PDF; write everything as JSON."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--large", help="slug of the large organisation (default scale-001, else the largest)")
        parser.add_argument("--small", help="slug of the small organisation (default scale-002, else nearest 40)")
        parser.add_argument("--requests", type=int, default=DEFAULT_REQUESTS, help="measured requests per page")
        parser.add_argument("--warmup", type=int, default=DEFAULT_WARMUP, help="requests per page not counted")
        parser.add_argument("--pages", default=",".join(PAGE_KEYS), help="comma-separated pages to measure")
        parser.add_argument("--skip-pdf", action="store_true", help="do not render the monthly pack")
        parser.add_argument("--skip-scan", action="store_true", help="do not run the alert scan")
        parser.add_argument("--password", default=DEFAULT_PASSWORD, help="the password of the accounts used")
        parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="where to write the JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["requests"] < 1 or options["warmup"] < 0:
            raise CommandError("--requests must be at least 1 and --warmup at least 0")
        large, small = options.get("large"), options.get("small")
        bench_options = Options(
            output=options["output"],
            requests=options["requests"],
            warmup=options["warmup"],
            pages=_pages(options["pages"]),
            large=large if large is not None else _if_present("scale-001"),
            small=small if small is not None else _if_present("scale-002"),
            skip_pdf=options["skip_pdf"],
            skip_scan=options["skip_scan"],
            password=options["password"],
        )
        # The broker the alert scan's notifications are queued on, and the cache of the served app: the embedded
        # Redis is started when the settings name it (as runstack does).
        redis_url = settings.REDIS_URL
        if redis_url == embedded.embedded_redis_url():
            embedded.ensure_redis(settings.BASE_DIR)
        bench = Bench(bench_options, base_dir=settings.BASE_DIR, redis_url=redis_url, write=self.stdout.write)
        try:
            bench.run()
        except (BenchError, DataMissing) as exc:
            raise CommandError(f"benchmark failed: {exc}") from exc


def _if_present(slug: str) -> str | None:
    from pmo.tenancy.models import Organization

    return slug if Organization.objects.filter(slug=slug, is_active=True).exists() else None
