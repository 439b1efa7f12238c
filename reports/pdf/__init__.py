"""PDF report packs: one entry point that renders a pack of any kind to PDF bytes with WeasyPrint."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.html import escape

if TYPE_CHECKING:
    from pmo.tenancy.models import Organization
    from projects.models import Project


@dataclass(frozen=True)
class RenderedPdf:
    pdf: bytes
    pages: int
    title: str


def render_report(
    *, organization: Organization, kind: str, period: str, project: Project | None, language: str
) -> RenderedPdf:
    """Render the pack ``kind`` for ``period`` (and ``project`` where the kind is per project) in ``language``.

    Runs inside the organisation's tenant context (the caller's task sets it). Placeholder until the packs land.
    """
    from weasyprint import HTML

    title = f"{kind} {period}".strip()
    document = HTML(string=f"<h1>{escape(title)}</h1>").render()
    return RenderedPdf(pdf=document.write_pdf(), pages=len(document.pages), title=title)
