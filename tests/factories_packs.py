"""Factories and helpers of the report-pack tests: stored reports, schedules, subscriptions, and a fake renderer
that stands in for WeasyPrint where the test is about the pipeline, not the PDF's content."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

import factory

from reports.models import Report, ReportKind, ReportSchedule, ReportSubscription
from reports.pdf import RenderedPdf
from tests.factories import TenantFactory

_weeks = itertools.count(1)


def fake_pdf(text: str = "report", pages: int = 2) -> bytes:
    return b"%PDF-1.7\n% fake pack: " + text.encode() + b"\n" + b"%%EOF\n" + str(pages).encode()


class ReportFactory(TenantFactory):
    class Meta:
        model = Report

    kind = ReportKind.WEEKLY_PACK
    period = factory.LazyFunction(lambda: f"2025-W{next(_weeks) % 52 + 1:02d}")
    language = "en"
    title = factory.LazyAttribute(lambda o: f"{o.kind} {o.period}")
    state = Report.State.READY
    pdf = factory.LazyAttribute(lambda o: fake_pdf(o.title))
    pages = 2
    size_bytes = factory.LazyAttribute(lambda o: len(o.pdf) if o.pdf else None)


class ReportScheduleFactory(TenantFactory):
    class Meta:
        model = ReportSchedule

    kind = ReportKind.WEEKLY_PACK


class ReportSubscriptionFactory(TenantFactory):
    class Meta:
        model = ReportSubscription

    kind = ReportKind.WEEKLY_PACK


@dataclass
class FakeRenderer:
    """Replaces ``reports.pdf.render_report``: records each call and returns a small PDF naming what it rendered
    (``fail_with`` raises instead)."""

    calls: list[dict[str, Any]] = field(default_factory=list)
    fail_with: BaseException | None = None
    pages: int = 3

    def __call__(self, **kwargs: Any) -> RenderedPdf:
        self.calls.append(kwargs)
        if self.fail_with is not None:
            raise self.fail_with
        project = kwargs["project"]
        label = f"{kwargs['kind']} {kwargs['period']} {project.code if project else ''} #{len(self.calls)}".strip()
        return RenderedPdf(pdf=fake_pdf(label, self.pages), pages=self.pages, title=f"Pack {label}")
