"""``python manage.py seed_scale --tier S|M|L``: generate organisations of realistic data for the benchmark
(``pmo.scale.generator``). Idempotent; ``--reset`` replaces every ``scale-*`` organisation; other organisations are
never touched."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from pmo.scale.gen_plan import TIERS, tier_plans
from pmo.scale.generator import DEFAULT_SEED, PHASES, ScaleTierConflict, elapsed, scale_generate


class Command(BaseCommand):
    help = (
        "Generate a tier of scale test data: S (3 organisations, 60 projects), M (50 organisations, 2,000 "
        "projects), L (M plus scale-xl with 4,000 projects). Users <role>@<slug>.example, password demo12345."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--tier", required=True, help="S, M or L")
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})")
        parser.add_argument(
            "--reset", action="store_true", help="remove every scale-* organisation first, then generate"
        )
        parser.add_argument("--quiet", action="store_true", help="print only the summary line")

    def handle(self, *args: Any, **options: Any) -> None:
        tier = str(options["tier"]).strip().upper()
        if tier not in TIERS:
            raise CommandError(f"Unknown tier {options['tier']!r}: choose one of {', '.join(TIERS)}.")
        quiet = options["quiet"]

        def log(line: str) -> None:
            if not quiet:
                self.stdout.write(line)

        plans = tier_plans(tier)
        projects = sum(p.projects for p in plans)
        log(f"Tier {tier}: {len(plans)} organisations, {projects:,} projects (seed {options['seed']})")
        try:
            result = scale_generate(tier=tier, seed=options["seed"], reset=options["reset"], log=log)
        except ScaleTierConflict as exc:
            raise CommandError(str(exc)) from exc
        if not result.generated:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Tier {tier} exists already ({len(result.existing)} organisations): nothing to do. "
                    "Use --reset to regenerate it."
                )
            )
            return
        if not quiet:
            if options["reset"]:
                self.stdout.write(f"Reset: {result.reset_seconds:.1f} s")
            self.stdout.write("Elapsed per phase:")
            for phase in PHASES:
                self.stdout.write(f"  {phase:<20} {result.phases[phase]:8.1f} s")
            self.stdout.write(f"  {'analyze':<20} {result.analyze_seconds:8.1f} s")
            writing = sum(result.write_seconds.values())
            self.stdout.write(f"Inserting the bulk rows (COPY, INSERT, triggers) took {writing:.1f} s, most in:")
            slowest = sorted(result.write_seconds.items(), key=lambda item: -item[1])[:8]
            for table, seconds in slowest:
                self.stdout.write(f"  {table:<42} {seconds:8.1f} s")
            self.stdout.write("Rows per table (generated organisations):")
            for table, count in sorted(result.rows.items()):
                self.stdout.write(f"  {table:<42} {count:>10,}")
            self.stdout.write(f"  {'total':<42} {sum(result.rows.values()):>10,}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Tier {tier}: generated {len(result.generated)} organisations ({result.projects:,} projects, "
                f"{sum(result.rows.values()):,} rows) in {elapsed(result.seconds)} ({result.seconds:.1f} s)."
                + (f" {len(result.existing)} existed already." if result.existing else "")
            )
        )
