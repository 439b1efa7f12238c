"""The text of a notification in the active language, made from its ``kind`` and JSON ``params``.

A notification stores what it is about, never its sentence, so the inbox reads in the viewer's language and an
e-mail in the recipient's (``translation.override``). One function per kind; every lookup in ``params`` has a
fallback, so a missing or unexpected key gives a plainer sentence, never an error.

Keys read (all optional; the producers are the alert scan, the reminders and the report packs):

- alert: ``metric`` (key), ``metric_label``, ``value`` (or ``resolved_value``), ``threshold``, ``operator``,
  ``severity``, ``subject_name`` (or ``subject``), ``project_code``, ``project_name``, ``person_name``, ``rule_name``
  (or ``rule``), ``state`` (``"resolved"`` for a recovery);
- status_reminder / status_overdue: ``project_code``, ``project_name``, ``week`` or ``week_label``, ``due`` (ISO
  date-time), ``projects`` (a list of ``{"code", "name"}`` or names, for one message about several projects) and
  ``count`` (the full number when the list is capped);
- timesheet_reminder / timesheet_overdue: ``week`` or ``week_label``, ``due``, ``person_name``, ``people`` and
  ``count`` as above;
- report_ready: ``title``, ``report_kind`` (or ``kind``), ``period``, ``project_code``, ``project_name``.
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from reports.models import Notification, NotificationKind, Operator, ReportKind

# How many names a message lists before it says "and N more".
NAMES_SHOWN = 10


@dataclass(frozen=True)
class Message:
    title: str
    body: str
    url: str = ""


def _text(params: Mapping[str, Any], *keys: str) -> str:
    """The first non-empty value among ``keys`` as text ("" when none)."""
    for key in keys:
        value = params.get(key)
        if value not in (None, "", [], {}):
            return str(value)
    return ""


def _number(value: Any) -> str:
    """``0.8500`` → ``0.85``; anything that is not a number is shown as it is."""
    if value in (None, ""):
        return "?"
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    if not number.is_finite():
        return str(value)
    text = format(number.quantize(Decimal("0.01")) if number != number.to_integral() else number, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _when(value: Any) -> str:
    """An ISO date-time in the active time zone as ``2026-11-20 18:00``; other text unchanged."""
    if not value:
        return ""
    try:
        moment = dt.datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return moment.strftime("%Y-%m-%d %H:%M")


def _project(params: Mapping[str, Any]) -> str:
    project = params.get("project")
    nested = project if isinstance(project, Mapping) else {}
    code = _text(params, "project_code") or _text(nested, "code")
    name = _text(params, "project_name") or _text(nested, "name")
    if code and name:
        return f"{code} {name}"
    return code or name or (str(project) if project and not isinstance(project, Mapping) else "")


def _names(items: Any, count: Any) -> tuple[str, int]:
    """A list of ``{"code", "name"}`` / ``{"name"}`` / plain names as one line, and the full count."""
    names: list[str] = []
    for item in items if isinstance(items, list) else []:
        if isinstance(item, Mapping):
            label = " ".join(part for part in (_text(item, "code"), _text(item, "name", "full_name")) if part)
        else:
            label = str(item)
        if label:
            names.append(label)
    try:
        total = max(int(count), len(names))
    except (TypeError, ValueError):
        total = len(names)
    line = ", ".join(names[:NAMES_SHOWN])
    hidden = total - min(len(names), NAMES_SHOWN)
    if hidden > 0:
        line = ngettext("%(names)s and %(count)d more", "%(names)s and %(count)d more", hidden) % {
            "names": line,
            "count": hidden,
        }
    return line, total


def metric_label(key: str) -> str:
    """The metric's label from the registry (``reports.metrics``) when it knows the key, else the key."""
    if not key:
        return _("metric")
    try:
        metrics = importlib.import_module("reports.metrics")
        return str(metrics.metric_get(key).label)
    except (ImportError, AttributeError, LookupError, TypeError, ValueError):
        return key


def _week(params: Mapping[str, Any]) -> str:
    return _text(params, "week_label", "week") or _("this week")


def _alert(params: Mapping[str, Any]) -> tuple[str, str]:
    metric = _text(params, "metric_label") or metric_label(_text(params, "metric", "metric_key"))
    operator = dict(Operator.choices).get(_text(params, "operator"), _text(params, "operator"))
    subject = _text(params, "subject_name", "subject") or _project(params) or _text(params, "person_name")
    subject = subject or _("the organisation")
    values = {
        "metric": metric,
        "operator": operator,
        "threshold": _number(params.get("threshold")),
        "value": _number(params.get("value", params.get("resolved_value"))),
        "subject": subject,
        "rule": _text(params, "rule_name", "rule") or metric,
    }
    if _text(params, "state") == "resolved":
        title = _("Recovered: %(metric)s for %(subject)s") % values
        body = _("%(metric)s of %(subject)s is back at %(value)s; the alert of rule “%(rule)s” is resolved.") % values
        return title, body
    title = _("%(metric)s %(operator)s %(threshold)s: %(subject)s") % values
    body = _("%(metric)s of %(subject)s is %(value)s (rule “%(rule)s”: alert when %(operator)s %(threshold)s).")
    return title, body % values


def _status(params: Mapping[str, Any], *, overdue: bool) -> tuple[str, str]:
    week, due = _week(params), _when(params.get("due"))
    listed, total = _names(params.get("projects"), params.get("count"))
    if listed:
        values = {"count": total, "week": week, "projects": listed}
        title = ngettext(
            "%(count)d status report overdue for %(week)s",
            "%(count)d status reports overdue for %(week)s",
            total,
        )
        body = _("Not submitted: %(projects)s.") % values
        return title % values, body
    values = {"project": _project(params) or _("a project"), "week": week, "due": due}
    if overdue:
        title = _("Status report overdue: %(project)s") % values
        body = (
            _("The status report of %(project)s for %(week)s was due %(due)s and is still not submitted.")
            if due
            else _("The status report of %(project)s for %(week)s is overdue and still not submitted.")
        ) % values
    else:
        title = _("Status report due: %(project)s") % values
        body = (
            _("The status report of %(project)s for %(week)s is due %(due)s.")
            if due
            else _("The status report of %(project)s for %(week)s is due soon.")
        ) % values
    return title, body


def _timesheet(params: Mapping[str, Any], *, overdue: bool) -> tuple[str, str]:
    week, due = _week(params), _when(params.get("due"))
    listed, total = _names(params.get("people"), params.get("count"))
    if listed:
        values = {"count": total, "week": week, "people": listed}
        title = ngettext(
            "%(count)d timesheet missing for %(week)s",
            "%(count)d timesheets missing for %(week)s",
            total,
        )
        return title % values, _("Not submitted: %(people)s.") % values
    values = {"person": _text(params, "person_name", "person") or _("you"), "week": week, "due": due}
    if overdue:
        title = _("Timesheet overdue for %(week)s: %(person)s") % values
        body = (
            _("The timesheet of %(person)s for %(week)s was due %(due)s and is still not submitted.")
            if due
            else _("The timesheet of %(person)s for %(week)s is overdue.")
        ) % values
    else:
        title = _("Timesheet due for %(week)s") % values
        body = (
            _("The timesheet of %(person)s for %(week)s is due %(due)s.")
            if due
            else _("The timesheet of %(person)s for %(week)s is due soon.")
        ) % values
    return title, body


def _report(params: Mapping[str, Any]) -> tuple[str, str]:
    kind_key = _text(params, "report_kind", "kind")
    kind = str(dict(ReportKind.choices).get(kind_key, kind_key)) or pgettext("report pack", "Report")
    name = _text(params, "title") or kind
    parts = [kind]
    if _project(params):
        parts.append(_project(params))
    if _text(params, "period"):
        parts.append(_text(params, "period"))
    return _("Report ready: %(title)s") % {"title": name}, _("%(report)s is ready to download.") % {
        "report": " · ".join(parts)
    }


RENDERERS: dict[str, Callable[[Mapping[str, Any]], tuple[str, str]]] = {
    NotificationKind.ALERT: _alert,
    NotificationKind.STATUS_REMINDER: lambda params: _status(params, overdue=False),
    NotificationKind.STATUS_OVERDUE: lambda params: _status(params, overdue=True),
    NotificationKind.TIMESHEET_REMINDER: lambda params: _timesheet(params, overdue=False),
    NotificationKind.TIMESHEET_OVERDUE: lambda params: _timesheet(params, overdue=True),
    NotificationKind.REPORT_READY: _report,
}


def message_for_kind(kind: str, params: Any, url: str = "") -> Message:
    """The message of ``kind`` about ``params`` in the active language; never raises on odd params."""
    safe: Mapping[str, Any] = params if isinstance(params, Mapping) else {}
    render = RENDERERS.get(kind)
    if render is None:
        return Message(title=str(dict(NotificationKind.choices).get(kind, kind)) or _("Notification"), body="", url=url)
    title, body = render(safe)
    return Message(title=title, body=body, url=url)


def message_for(notification: Notification) -> Message:
    return message_for_kind(notification.kind, notification.params, notification.url)
