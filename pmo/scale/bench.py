"""``manage.py bench``: the application's latency and query counts on generated data, against the targets of issue 9.

What one run does (docs/performance.md explains it for readers of the figures):

1. Picks the data sizes: ``--large`` (default ``scale-001``, 400 projects in tier M) and ``--small`` (``scale-002``,
   40 projects), else the organisation with the most projects and the one nearest 40; ``scale-xl`` too when it
   exists (tier L: the workspaces and the floor only).
2. Serves the application with gunicorn (``pmo.wsgi``, two sync workers, ``pmo.settings.bench``) on the database
   the command uses, and signs in over HTTP through the login form as the executive, the PMO and the manager of each
   organisation (one sequential ``http.client`` client per account).
3. Measures in rounds (``PAGES``, in order): for each size, the floor, the manager's status submission (a write to
   the organisation), the dashboard and the cockpit (thus computed), both again at once (``*_cached``: what the data
   cache serves), the lists and details, the heat maps; then the dashboard's and the cockpit's hand-written SQL.
   The first ``--warmup`` rounds are not counted. Interleaving the pages keeps background load on a shared machine
   from falling on one page only. The query count of each request comes from the ``X-Query-Count`` header
   (``pmo.scale.middleware``).
4. Status submission is the manager's weekly status through the web form: start the week's report (``start``),
   open its page, submit the form (``submit``, the timed request), each on a (project, week) that had no report, so
   no request meets a 409. Every report submitted is checked in the database, then deleted with its history.
5. After the server stops: the alert scan of every ``scale-*`` organisation (the beat task's code,
   ``alerts.scan_organization``, called in process) and the monthly management pack of the large organisation
   (``reports.pdf.render_report``, the renderer of the pack task; nothing stored).

Any answer other than 2xx/3xx, or a failed login, stops the run with an error (``BenchError``); a missed target is
information, printed with the figures.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import time
import zoneinfo
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from django.db import connection
from django.utils import timezone

from pmo.scale import bench_report, bench_sql
from pmo.scale.bench_data import (
    XL_SLUG,
    Size,
    choose_organizations,
    size_of,
    status_reports_remove,
    status_reports_written,
)
from pmo.scale.bench_http import BenchError, Client, Response
from pmo.scale.bench_report import Sample
from pmo.scale.bench_server import GunicornServer
from pmo.tenancy.context import tenant_context
from pmo.tenancy.models import Organization
from projects.policy import week_label
from projects.status.services import RAG_FIELDS

DEFAULT_REQUESTS = 80
DEFAULT_WARMUP = 10
DEFAULT_PASSWORD = "demo12345"  # noqa: S105 (every generated and demo account's published password)
SIZE_LABELS = ("large", "small", "xl")
LARGE_TABLE_ROWS = 1000  # below this, default estimates do little harm
PG_SETTINGS = ["jit", "jit_above_cost", "shared_buffers", "work_mem", "effective_cache_size", "random_page_cost"]
_VERSION_INPUT = re.compile(rb'name="version" value="(\d+)"')


@dataclass(frozen=True)
class Page:
    key: str
    role: str
    path: Callable[[Size, int], str]
    kind: str = "get"  # "get" or "status"
    xl: bool = False  # measured on scale-xl too
    of: str = ""  # a "cached" page: the page requested again at once (measured whenever that one is)


def _detail(size: Size, index: int) -> int:
    return size.detail_projects[index % len(size.detail_projects)]


def _dashboard(size: Size, index: int) -> str:
    return f"/o/{size.slug}/dashboard/"


def _cockpit(size: Size, index: int) -> str:
    return f"/o/{size.slug}/cockpit/"


# One round, in this order. The status submission writes to the organisation first, so the dashboard and the cockpit
# after it are computed (a write makes the data cache's entries of the organisation unreachable); requested again at
# once, they are what the cache serves (``*_cached``).
PAGES: tuple[Page, ...] = (
    Page("floor", "executive", lambda s, i: f"/o/{s.slug}/_bench/floor/", xl=True),
    Page("status_submit", "manager", lambda s, i: f"/o/{s.slug}/projects/<id>/status/<week>/submit/", "status", True),
    Page("dashboard", "executive", _dashboard, xl=True),
    Page("cockpit", "pmo", _cockpit, xl=True),
    Page("dashboard_cached", "executive", _dashboard, xl=True, of="dashboard"),
    Page("cockpit_cached", "pmo", _cockpit, xl=True, of="cockpit"),
    Page("project_list", "pmo", lambda s, i: f"/o/{s.slug}/projects/"),
    Page("project_list_api", "pmo", lambda s, i: f"/api/v1/orgs/{s.slug}/projects/?page_size=50"),
    Page("project_detail", "pmo", lambda s, i: f"/o/{s.slug}/projects/{_detail(s, i)}/"),
    Page("project_detail_api", "pmo", lambda s, i: f"/api/v1/orgs/{s.slug}/projects/{_detail(s, i)}/"),
    Page("risk_heatmap", "pmo", lambda s, i: f"/o/{s.slug}/risks/"),
    Page("capacity_heatmap", "pmo", lambda s, i: f"/o/{s.slug}/resources/"),
)
# What ``--pages`` chooses among (the cached variants come with their page, the floor always).
PAGE_KEYS = tuple(page.key for page in PAGES if not page.of)
WORKSPACES = ("dashboard", "cockpit")
PAGE_NOTES = {
    "floor": "an empty organisation page: middleware, session, login, organisation and membership only",
    "dashboard": "computed: the first request after a write to the organisation (the round's status submission)",
    "cockpit": "computed: the first request after a write to the organisation (the round's status submission)",
    "dashboard_cached": "the same page requested again at once: served from the data cache where there is one",
    "cockpit_cached": "the same page requested again at once: served from the data cache where there is one",
    "project_list": "the register's first page: 50 rows (its page size)",
    "project_detail": "the overview of the first 20 active projects by code, in turn",
    "risk_heatmap": "the risk register with the organisation's heat map",
    "capacity_heatmap": "capacity vs demand by department, 12 weeks",
    "status_submit": "the weekly status form submitted (POST …/submit/), after starting the report and opening it",
    "status_start": "starting the week's report (POST …/start/), before the submission; not a target",
}


@dataclass(frozen=True)
class Options:
    output: Path
    requests: int = DEFAULT_REQUESTS
    warmup: int = DEFAULT_WARMUP
    pages: tuple[str, ...] = PAGE_KEYS
    large: str | None = None
    small: str | None = None
    skip_pdf: bool = False
    skip_scan: bool = False
    password: str = DEFAULT_PASSWORD


@dataclass
class Run:
    """The state of one benchmark run: its sizes, clients and samples."""

    options: Options
    sizes: list[Size]
    clients: dict[tuple[str, str], Client] = field(default_factory=dict)  # (size label, role) → client
    samples: dict[tuple[str, str], list[Sample]] = field(default_factory=lambda: defaultdict(list))
    submitted: dict[str, list[tuple[int, dt.date]]] = field(default_factory=lambda: defaultdict(list))

    def selected(self, page: Page) -> bool:
        """Measured in this run: chosen with ``--pages`` (a cached variant with its page; the floor always)."""
        return page.key == "floor" or (page.of or page.key) in self.options.pages

    def pages_for(self, size: Size) -> list[Page]:
        """The steps of a round for ``size``. The status submission runs whenever the dashboard or the cockpit is
        measured, as the write that makes them computed, and is timed only when chosen."""
        writes = bool(set(WORKSPACES) & set(self.options.pages))
        steps = [page for page in PAGES if self.selected(page) or (page.kind == "status" and writes)]
        return [page for page in steps if page.xl or size.label != "xl"]


def _expect(response: Response, what: str, *, statuses: tuple[int, ...] | None = None) -> Response:
    allowed = response.ok if statuses is None else response.status in statuses
    if not allowed:
        excerpt = response.body[:300].decode("utf-8", "replace").strip()
        raise BenchError(f"{what} answered HTTP {response.status}: {excerpt}")
    return response


def _sample(response: Response) -> Sample:
    return Sample(seconds=response.seconds, queries=response.queries, query_ms=response.query_ms)


class Bench:
    def __init__(
        self,
        options: Options,
        *,
        base_dir: Path,
        redis_url: str,
        write: Callable[[str], None],
    ) -> None:
        self.options = options
        self.base_dir = base_dir
        self.redis_url = redis_url
        self.write = write

    # --- The run ---------------------------------------------------------------------------------------------------

    def run(self) -> dict[str, Any]:
        started = timezone.now()
        clock = time.monotonic()
        options = self.options
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            postgres_version = cursor.fetchone()[0]
            cursor.execute("SELECT name, setting, unit FROM pg_settings WHERE name = ANY(%s)", [PG_SETTINGS])
            postgres_settings = {name: f"{value}{unit or ''}" for name, value, unit in cursor.fetchall()}
            # Tables never analysed plan on default estimates: figures on freshly loaded data mislead.
            cursor.execute(
                "SELECT relname FROM pg_stat_user_tables WHERE n_live_tup >= %s AND last_analyze IS NULL "
                "AND last_autoanalyze IS NULL ORDER BY relname",
                [LARGE_TABLE_ROWS],
            )
            never_analyzed = [row[0] for row in cursor.fetchall()]
        if never_analyzed:
            self.write(
                f"WARNING: {len(never_analyzed)} tables were never analysed ({', '.join(never_analyzed[:5])} …): "
                "run ANALYZE first for representative plans"
            )
        large, small, xl = choose_organizations(large=options.large, small=options.small)
        rounds = options.warmup + options.requests
        status_needed = rounds if {"status_submit", *WORKSPACES} & set(options.pages) else 0
        sizes = [size_of(label="large", slug=large, status_needed=status_needed)]
        if small is not None:
            sizes.append(size_of(label="small", slug=small, status_needed=status_needed))
        if xl is not None and set(WORKSPACES) & set(options.pages):
            sizes.append(size_of(label="xl", slug=xl, status_needed=status_needed))
        for size in sizes:
            self.write(f"{size.label}: {size.slug}, {size.projects} projects, {len(size.status_pairs)} status pairs")
            if status_needed and len(size.status_pairs) < rounds:
                self.write(
                    f"WARNING: {size.slug} has {len(size.status_pairs)} (project, week) pairs to submit a status for, "
                    f"fewer than the {rounds} rounds: later rounds write nothing before the dashboard and the cockpit"
                )
        run = Run(options=options, sizes=sizes)
        result: dict[str, Any] = {
            "version": 1,
            "started_at": started.isoformat(),
            "database": connection.settings_dict["NAME"],
            "machine": bench_report.machine(postgres_version=postgres_version),
            "postgresql_settings": postgres_settings,
            "tables_never_analyzed": never_analyzed,
            "options": {
                "requests": options.requests,
                "warmup": options.warmup,
                "pages": list(options.pages),
                "skip_pdf": options.skip_pdf,
                "skip_scan": options.skip_scan,
                "workers": 2,
            },
            "sizes": {size.label: size.as_json() for size in sizes},
        }
        try:
            self._serve_and_measure(run)
        finally:
            result["status_writes"] = self._status_cleanup(run)
        result["pages"] = self._page_results(run)
        result["reference"] = self._reference_results(run, result["pages"])
        if not options.skip_scan:
            result["scan"] = self.alert_scan()
        if not options.skip_pdf:
            result["pdf"] = self.monthly_pack(sizes[0].organization)
        result["duration_s"] = round(time.monotonic() - clock, 1)
        result["finished_at"] = timezone.now().isoformat()
        result["load_average_at_end"] = [round(value, 2) for value in os.getloadavg()]
        targets = bench_report.evaluate_targets(result)
        result["targets"] = [target.as_json() for target in targets]
        options.output.parent.mkdir(parents=True, exist_ok=True)
        options.output.write_text(json.dumps(result, indent=2, default=str) + "\n")
        self.write(bench_report.table(result, targets))
        self.write(f"\nJSON written to {options.output}")
        return result

    def _serve_and_measure(self, run: Run) -> None:
        options = self.options
        server = GunicornServer(
            base_dir=self.base_dir,
            settings_dict=connection.settings_dict,
            redis_url=self.redis_url,
            log_path=options.output.parent / "gunicorn.log",
        )
        self.write(f"gunicorn on 127.0.0.1:{server.port} (log {server.log_path})")
        wanted_sql = {"dashboard", "cockpit"} & set(options.pages)
        sql = bench_sql.connect(connection.settings_dict) if wanted_sql else None
        try:
            with server:
                for size in run.sizes:
                    for role in sorted({page.role for page in run.pages_for(size)}):
                        client = Client("127.0.0.1", server.port)
                        client.login(size.users[role], options.password)
                        run.clients[(size.label, role)] = client
                rounds = options.warmup + options.requests
                for index in range(rounds):
                    measuring = index >= options.warmup
                    for size in run.sizes:
                        self._round(run, size, index, measuring=measuring)
                        if sql is not None:
                            self._sql_round(run, sql, size, measuring=measuring)
                    if (index + 1) % 10 == 0 or index + 1 == rounds:
                        self.write(f"round {index + 1}/{rounds}")
                for client in run.clients.values():
                    client.logout()
        finally:
            for client in run.clients.values():
                client.close()
            if sql is not None:
                sql.close()

    def _round(self, run: Run, size: Size, index: int, *, measuring: bool) -> None:
        for page in run.pages_for(size):
            client = run.clients[(size.label, page.role)]
            if page.kind == "status":
                self._status(run, client, size, index, measuring=measuring and run.selected(page))
                continue
            path = page.path(size, index)
            response = _expect(client.get(path), f"GET {path}")
            if measuring:
                run.samples[(page.key, size.label)].append(_sample(response))

    def _status(self, run: Run, client: Client, size: Size, index: int, *, measuring: bool) -> None:
        if index >= len(size.status_pairs):
            return  # fewer (project, week) pairs than rounds: the summary says how many were measured
        project_id, week = size.status_pairs[index]
        base = f"/o/{size.slug}/projects/{project_id}/status/{week_label(week)}/"
        run.submitted[size.label].append((project_id, week))
        start = _expect(client.post(f"{base}start/", {}), f"POST {base}start/", statuses=(302,))
        page = _expect(client.get(start.headers.get("location") or base), f"GET {base}", statuses=(200,))
        version = _VERSION_INPUT.search(page.body)
        if version is None:
            raise BenchError(f"GET {base} shows no status form to submit")
        form = {
            "version": version.group(1).decode(),
            **dict.fromkeys(RAG_FIELDS, "amber"),
            "rag_justification": "Benchmark submission.",
            "percent_complete": "50",
            "actual_cost": "1000",
            "forecast_finish": "",
            "summary": "On track; see the next steps.",
            "accomplishments": "Design review held.",
            "next_steps": "Start the build.",
        }
        submit = _expect(client.post(f"{base}submit/", form, csrf_from=page), f"POST {base}submit/", statuses=(302,))
        if measuring:
            run.samples[("status_start", size.label)].append(_sample(start))
            run.samples[("status_submit", size.label)].append(_sample(submit))

    def _sql_round(self, run: Run, sql: psycopg.Connection[Any], size: Size, *, measuring: bool) -> None:
        organization = size.organization
        window = bench_sql.Window(
            organization_id=organization.pk,
            zone=zoneinfo.ZoneInfo(organization.time_zone),
            now=timezone.now(),
            user_id=size.user_ids.get("pmo"),
        )
        for name, execute in (("dashboard", bench_sql.run_dashboard_sql), ("cockpit", bench_sql.run_cockpit_sql)):
            if name not in run.options.pages:
                continue
            started = time.perf_counter()
            execute(sql, window)
            if measuring:
                run.samples[(f"{name}_sql", size.label)].append(Sample(seconds=time.perf_counter() - started))

    def _status_cleanup(self, run: Run) -> dict[str, Any]:
        totals: dict[str, Any] = {"submitted": 0, "written": 0, "removed": 0, "measured": {}}
        for size in run.sizes:
            pairs = run.submitted.get(size.label, [])
            if not pairs:
                continue
            totals["submitted"] += len(pairs)
            totals["written"] += status_reports_written(organization=size.organization, pairs=pairs)
            totals["removed"] += status_reports_remove(organization=size.organization, pairs=pairs)
            totals["measured"][size.label] = len(run.samples.get(("status_submit", size.label), []))
        return totals

    # --- Results ---------------------------------------------------------------------------------------------------

    def _page_results(self, run: Run) -> dict[str, Any]:
        pages: dict[str, Any] = {}
        keys = [page.key for page in PAGES if run.selected(page)]
        if "status_submit" in keys:
            keys.append("status_start")
        for key in keys:
            results = {
                label: bench_report.summarise(run.samples[(key, label)])
                for label in SIZE_LABELS
                if run.samples.get((key, label))
            }
            if not results:
                continue
            entry: dict[str, Any] = {"results": results, "note": PAGE_NOTES.get(key, "")}
            page = next((page for page in PAGES if page.key == key), None)
            if page is not None:
                entry["role"] = page.role
                entry["path"] = page.path(run.sizes[0], 0).replace(run.sizes[0].slug, "<org>")
            large, small = results.get("large", {}), results.get("small", {})
            if "queries" in large and "queries" in small:
                entry["queries_same"] = large["queries"]["median"] == small["queries"]["median"]
            pages[key] = entry
        floors = pages.get("floor", {}).get("results", {})
        for key, entry in pages.items():
            if key == "floor":
                continue
            entry["ratio_to_floor"] = {
                label: round(measured["p50_ms"] / floors[label]["p50_ms"], 2)
                for label, measured in entry["results"].items()
                if label in floors and floors[label]["p50_ms"] > 0
            }
        return pages

    def _reference_results(self, run: Run, pages: dict[str, Any]) -> dict[str, Any]:
        reference: dict[str, Any] = {}
        floors = pages.get("floor", {}).get("results", {})
        for name, statements in (
            ("dashboard", len(bench_sql.STATEMENTS)),
            ("cockpit", len(bench_sql.COCKPIT_STATEMENTS)),
        ):
            sql = {
                label: {**bench_report.summarise(run.samples[(f"{name}_sql", label)]), "statements": statements}
                for label in SIZE_LABELS
                if run.samples.get((f"{name}_sql", label))
            }
            if not sql:
                continue
            reference[f"{name}_sql"] = sql
            measured = pages.get(name, {}).get("results", {})
            reference[f"{name}_vs_sql_floor"] = {
                label: round(measured[label]["p50_ms"] / (sql[label]["p50_ms"] + floors[label]["p50_ms"]), 2)
                for label in sql
                if label in measured and label in floors
            }
        return reference

    # --- Background work -------------------------------------------------------------------------------------------

    def alert_scan(self) -> dict[str, Any]:
        """Scan every active ``scale-*`` organisation (every active organisation when there is none) as beat's task
        does, one after the other; the total and each organisation's seconds."""
        from reports.alerts.tasks import scan_organization

        organizations = list(Organization.objects.filter(is_active=True, slug__startswith="scale-").order_by("slug"))
        if not organizations:
            organizations = list(Organization.objects.filter(is_active=True).order_by("slug"))
        self.write(f"alert scan of {len(organizations)} organisations")
        per_org: list[dict[str, Any]] = []
        opened = resolved = 0
        started = time.perf_counter()
        for organization in organizations:
            begun = time.perf_counter()
            counts = scan_organization(organization_id=organization.pk, trigger="manual")
            per_org.append({"organization": organization.slug, "seconds": round(time.perf_counter() - begun, 3)})
            opened += counts["opened"]
            resolved += counts["resolved"]
        total = time.perf_counter() - started
        slowest = max(per_org, key=lambda row: row["seconds"])
        return {
            "organizations": len(organizations),
            "total_s": round(total, 3),
            "slowest": slowest,
            "opened": opened,
            "resolved": resolved,
            "per_organization": per_org,
        }

    def monthly_pack(self, organization: Organization) -> dict[str, Any]:
        """Render the monthly management review of last month for ``organization`` (as the pack task renders it);
        the seconds, the pages, and the PDF written next to the JSON. Nothing is stored in the database."""
        from reports.models import ReportKind
        from reports.packs.services import default_period
        from reports.pdf import render_report

        with tenant_context(organization):
            period = default_period(ReportKind.MONTHLY_REVIEW, organization=organization)
            self.write(f"monthly pack of {organization.slug}, {period}")
            started = time.perf_counter()
            rendered = render_report(
                organization=organization,
                kind=ReportKind.MONTHLY_REVIEW,
                period=period,
                project=None,
                language=organization.default_language,
            )
            seconds = time.perf_counter() - started
        path = self.options.output.parent / f"monthly-{organization.slug}-{period}.pdf"
        path.write_bytes(rendered.pdf)
        return {
            "organization": organization.slug,
            "period": period,
            "language": organization.default_language,
            "seconds": round(seconds, 2),
            "pages": rendered.pages,
            "bytes": len(rendered.pdf),
            "path": str(path),
        }


__all__ = ["PAGE_KEYS", "XL_SLUG", "Bench", "BenchError", "Options"]
