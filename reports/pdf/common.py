"""Pieces the pack builders share: reading access for a render with no user, and the weekly RAG strip."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from pmo.core import charts
from pmo.tenancy.access import OrgAccess
from pmo.tenancy.models import Membership, Organization
from pmo.tenancy.roles import Role
from projects.earnedvalue.selectors import SCurve
from projects.earnedvalue.views import s_curve_chart
from projects.models import Rag, StatusReport
from projects.policy import week_label

# Reports counted in a week's history (as in the meeting and the EVM history): submitted or accepted.
COUNTED_STATES = (StatusReport.State.SUBMITTED, StatusReport.State.ACCEPTED)


def organization_access(organization: Organization) -> OrgAccess:
    """Read access to the whole organisation for a pack a task renders with nobody logged in: the PMO's view, so the
    selectors that take an ``OrgAccess`` see every project. The membership is never saved."""
    return OrgAccess(organization=organization, membership=Membership(organization=organization, role=Role.PMO))


def weekly_rags(
    *, organization: Organization, project_ids: Iterable[int], first_week: dt.date, last_week: dt.date
) -> dict[int, dict[dt.date, str]]:
    """The overall RAG of each counted weekly report between two weeks, per project (one query)."""
    result: dict[int, dict[dt.date, str]] = defaultdict(dict)
    rows = StatusReport.objects.filter(
        organization=organization,
        project_id__in=list(project_ids),
        week_start__gte=first_week,
        week_start__lte=last_week,
        state__in=COUNTED_STATES,
    ).values_list("project_id", "week_start", "rag_overall")
    for project_id, week_start, rag in rows:
        result[project_id][week_start] = rag
    return result


def rag_weeks_strip(*, rags: dict[dt.date, str], first_week: dt.date, last_week: dt.date, width: int) -> SafeString:
    """One cell per week from ``first_week`` to ``last_week`` with the letter of its RAG (readable without colour);
    weeks without a counted report stay grey."""
    names = dict(Rag.choices)
    cells = []
    week = first_week
    while week <= last_week:
        rag = rags.get(week)
        label = f"W{week.isocalendar().week:02d}"
        if rag:
            name = str(names.get(rag, rag))
            cells.append(charts.RagCell(label, rag, f"{week_label(week)}: {name}", name[:1].upper()))
        else:
            cells.append(charts.RagCell(label, None, _("%(week)s: no report") % {"week": week_label(week)}, "–"))
        week += dt.timedelta(days=7)
    return charts.rag_strip(cells=cells, title=_("Overall RAG by week"), width=width)


def s_curve_svg(*, s_curve: SCurve, marker_label: str, width: int, height: int) -> SafeString | None:
    """The project's S-curve as the EVM tab draws it, with the pack's own marker: a pack describes a past week or the
    end of a project, not today. ``None`` when there is nothing to draw."""
    if s_curve.is_empty:
        return None
    return s_curve_chart(s_curve=s_curve, width=width, height=height, marker_label=marker_label)
