"""The weekly integrated meeting pack (kind ``weekly_pack``, period ``"2026-W47"``): the weekly meeting of the whole
organisation as the meeting page shows it (``projects.meetings.selectors.weekly_meeting``), printed: summary,
decisions needed by whom, each changed project with only what changed, one table of the unchanged projects, and
the week's status compliance as an appendix."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from projects.meetings.selectors import weekly_meeting
from projects.meetings.views import AGENDA_KIND_LABELS, project_card
from projects.models import Project, StatusReport
from projects.policy import parse_week
from projects.status.selectors import status_compliance
from reports.pdf import PackDocument, TocEntry
from reports.pdf.common import organization_access, rag_weeks_strip, weekly_rags
from reports.periods import period_display

if TYPE_CHECKING:
    from pmo.tenancy.models import Organization

HISTORY_WEEKS = 12


def build(*, organization: Organization, period: str, project: Project | None, language: str) -> PackDocument:
    """The pack of the ISO week ``period`` for every project of the organisation (``project`` is ignored).

    Queries: the meeting's fixed set, the compliance appendix's three and one for the RAG history strips, whatever
    the number of projects."""
    week_start = parse_week(period)
    access = organization_access(organization)
    meeting = weekly_meeting(access=access, week_start=week_start)
    compliance = status_compliance(access=access, week_start=week_start)

    cards = [project_card(row) for row in meeting.projects]
    changed = [card for card in cards if card.project.changed]
    unchanged = [card for card in cards if not card.project.changed]

    first_week = week_start - dt.timedelta(days=7 * (HISTORY_WEEKS - 1))
    history = weekly_rags(
        organization=organization,
        project_ids=[card.project.id for card in changed],
        first_week=first_week,
        last_week=week_start,
    )
    changed_rows = [
        (
            card,
            rag_weeks_strip(
                rags=history.get(card.project.id, {}), first_week=first_week, last_week=week_start, width=430
            ),
        )
        for card in changed
    ]

    report_states = dict(StatusReport.State.choices)
    title = _("Weekly integrated meeting pack")
    toc = [
        TocEntry("summary", _("Summary")),
        TocEntry("agenda", _("Agenda: decisions needed")),
        TocEntry("changed", _("What changed")),
        *(TocEntry(f"project-{card.project.id}", f"{card.project.code} {card.project.name}", 2) for card in changed),
        TocEntry("unchanged", _("No change")),
        TocEntry("compliance", _("Appendix: status compliance")),
    ]
    return PackDocument(
        template_name="reports/pdf/weekly_pack.html",
        title=title,
        period_label=period_display("weekly_pack", period),
        toc=tuple(toc),
        context={
            "meeting": meeting,
            "summary": meeting.summary,
            "agenda": [
                (group.by_whom, [(item, str(AGENDA_KIND_LABELS[item.kind])) for item in group.items])
                for group in meeting.agenda
            ],
            "changed_rows": changed_rows,
            "unchanged_cards": unchanged,
            "compliance": compliance,
            "compliance_counts": compliance.counts,
            "report_states": report_states,
            "history_weeks": HISTORY_WEEKS,
        },
    )
