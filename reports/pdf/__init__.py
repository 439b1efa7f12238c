"""PDF report packs: one entry point that renders a pack of any kind to PDF bytes with WeasyPrint.

Each kind has a builder module (``weekly``, ``monthly``, ``onepager``, ``closure``) with one function
``build(*, organization, period, project, language) -> PackDocument``: it reads the data (selectors only) and names a
template extending ``reports/pdf/base.html`` (cover, table of contents, running header and page numbers). The
dispatcher imports the builder lazily, renders the template in the pack's language and the organisation's time zone,
and turns the HTML into PDF with a fetcher that reaches nothing outside the document (``reports.pdf.render``).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from pmo.tenancy.models import Organization
    from projects.models import Project


@dataclass(frozen=True)
class RenderedPdf:
    pdf: bytes
    pages: int
    title: str


@dataclass(frozen=True)
class TocEntry:
    """One line of the table of contents: the ``id`` of a heading in the document and its text."""

    anchor: str
    title: str
    level: int = 1


@dataclass(frozen=True)
class PackDocument:
    """What a builder hands the dispatcher: the template (extending ``reports/pdf/base.html``), its context, the
    pack's title (translated, in the active language), the period as a reader says it, and the table of contents."""

    template_name: str
    context: dict[str, Any]
    title: str
    period_label: str = ""
    subtitle: str = ""
    toc: tuple[TocEntry, ...] = field(default_factory=tuple)


class PackUnavailable(Exception):
    """The pack cannot be produced from the data there is (e.g. a closure report for a project without one); the
    message is translated and meant for the person who asked for the pack."""


# kind → builder module; imported when first used, so a pack still being written does not break the others.
BUILDERS = {
    "weekly_pack": "reports.pdf.weekly",
    "monthly_review": "reports.pdf.monthly",
    "project_onepager": "reports.pdf.onepager",
    "closure": "reports.pdf.closure",
}
PROJECT_KINDS = frozenset({"project_onepager", "closure"})


def build_document(
    *, organization: Organization, kind: str, period: str, project: Project | None, language: str
) -> PackDocument:
    """The builder's document for ``kind``; ``PackUnavailable`` for an unknown kind or a missing project."""
    module_name = BUILDERS.get(kind)
    if module_name is None:
        raise PackUnavailable(_("Unknown kind of report: %(kind)s.") % {"kind": kind})
    if kind in PROJECT_KINDS and project is None:
        raise PackUnavailable(_("This report is about one project: choose the project."))
    builder = importlib.import_module(module_name)
    document: PackDocument = builder.build(organization=organization, period=period, project=project, language=language)
    return document


def render_html(
    *, organization: Organization, kind: str, period: str, project: Project | None, language: str
) -> tuple[str, PackDocument]:
    """The pack as HTML (what ``render_report`` turns into PDF), with the builder's document."""
    from projects.policy import organization_zone

    with translation.override(language), timezone.override(organization_zone(organization)):
        document = build_document(
            organization=organization, kind=kind, period=period, project=project, language=language
        )
        language_info = translation.get_language_info(language)
        html = render_to_string(
            document.template_name,
            {
                **document.context,
                "organization": organization,
                "pack_title": document.title,
                "pack_subtitle": document.subtitle,
                "period_label": document.period_label,
                "generated_at": timezone.now(),
                "language_code": language,
                "language_name": language_info["name_local"],
                "toc": document.toc,
                "kind": kind,
            },
        )
    return html, document


def render_report(
    *, organization: Organization, kind: str, period: str, project: Project | None, language: str
) -> RenderedPdf:
    """Render the pack ``kind`` for ``period`` (and ``project`` where the kind is per project) in ``language``.

    Runs inside the organisation's tenant context (the caller's task sets it). Raises ``PackUnavailable`` (translated
    message) when the data cannot make this pack, and the period parser's ``ValidationError`` for a bad period.
    """
    from reports.pdf.render import html_to_pdf

    html, document = render_html(
        organization=organization, kind=kind, period=period, project=project, language=language
    )
    pdf, pages = html_to_pdf(html)
    return RenderedPdf(pdf=pdf, pages=pages, title=str(document.title))
