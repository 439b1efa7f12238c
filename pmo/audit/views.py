"""The audit trail page (``/o/<org_slug>/audit/``): every recorded change, filtered by object type, action, who
and dates, newest or oldest first, 50 a page; ``?format=csv|xlsx`` answers the filtered trail as a file (for
those who may read the trail: the governance roles)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from pmo.audit.forms import AuditFilterForm, SecurityEventFilterForm
from pmo.audit.models import SecurityEvent
from pmo.audit.selectors import (
    AuditEntry,
    AuditFilters,
    AuditTrail,
    SecurityEventFilters,
    audit_model_choices,
    security_events,
)
from pmo.core.exports import Column, attr
from pmo.core.listing import ListPageMixin
from pmo.tenancy.models import Organization
from pmo.tenancy.roles import Capability
from pmo.tenancy.selectors import organization_members
from pmo.tenancy.views_base import OrganizationViewMixin


def action_label(action: str) -> str:
    labels = {
        "insert": _("created"),
        "update": _("changed"),
        "delete": _("deleted"),
    }
    return labels.get(action, action)


def _shown(value: Any) -> str:
    return "∅" if value in (None, "") else str(value)


def changes_text(entry: AuditEntry) -> str:
    """``field: before → after`` per changed field, one per line (an inserted row: its summary)."""
    if entry.diff:
        return "\n".join(f"{field}: {_shown(old)} → {_shown(new)}" for field, (old, new) in entry.diff.items())
    return entry.summary if entry.action == "insert" else ""


def member_choices(organization: Organization) -> list[tuple[int, str]]:
    """The organisation's members as (user id, name or e-mail), by name: the "who" filter of both audit pages."""
    users = [
        (membership.user_id, membership.user.get_full_name() or membership.user.email)
        for membership in organization_members(organization=organization)
    ]
    return sorted(users, key=lambda pair: pair[1].lower())


class AuditLogView(ListPageMixin, OrganizationViewMixin, TemplateView):
    nav_key = "audit"
    capability = Capability.AUDIT_VIEW
    template_name = "audit/log.html"
    export_name = "audit-trail"

    def build_filter_form(self) -> AuditFilterForm:
        return AuditFilterForm(
            self.request.GET or None, models=audit_model_choices(), users=member_choices(self.organization)
        )

    def rows(self) -> AuditTrail:
        values = self.values
        filters = AuditFilters(
            model=values.get("model") or None,
            action=values.get("action") or "",
            actor=values.get("actor"),
            since=values.get("since"),
            until=values.get("until"),
            oldest_first=values.get("sort") == "oldest",
        )
        return AuditTrail(organization=self.organization, filters=filters)

    def export_title(self) -> str:
        return _("Audit trail")

    def export_columns(self) -> list[Column]:
        return [
            Column(_("When"), attr("created_at"), 20),
            Column(_("Who"), lambda e: e.actor.get_full_name() if e.actor else _("system"), 22),
            Column(_("E-mail"), attr("actor.email"), 28),
            Column(_("Object type"), lambda e: e.model_label[:1].upper() + e.model_label[1:], 22),
            Column(_("Object ID"), attr("object_id"), 10),
            Column(_("Action"), lambda e: action_label(e.action), 10),
            Column(_("Changes"), changes_text, 60),
            Column(_("URL"), attr("url"), 30),
        ]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        data = super().get_context_data(**kwargs)
        data["entries"] = list(data["page"].object_list)
        return data


def security_event_user_text(event: SecurityEvent) -> str:
    if event.user is not None:
        return event.user.get_full_name() or event.user.email
    return event.username


def security_event_detail_text(event: SecurityEvent) -> str:
    """The event's facts as ``key: value`` pairs, one line (the file's "Detail" column)."""
    return "; ".join(f"{key}: {value}" for key, value in sorted((event.detail or {}).items()))


class SecurityEventLogView(ListPageMixin, OrganizationViewMixin, TemplateView):
    """``/o/<org_slug>/audit/security/``: the organisation's security events (sign-ins of its members, lockouts,
    permission denials, API token use), filtered by kind, who and dates, newest first, 50 a page; ``?format=csv|xlsx``
    exports them. The same readers as the audit trail."""

    nav_key = "audit"
    capability = Capability.AUDIT_VIEW
    template_name = "audit/security.html"
    export_name = "security-events"

    def build_filter_form(self) -> SecurityEventFilterForm:
        return SecurityEventFilterForm(self.request.GET or None, users=member_choices(self.organization))

    def rows(self) -> Any:
        values = self.values
        filters = SecurityEventFilters(
            kind=values.get("kind") or "",
            user=values.get("user"),
            since=values.get("since"),
            until=values.get("until"),
        )
        return security_events(organization=self.organization, filters=filters)

    def export_title(self) -> str:
        return _("Security events")

    def export_columns(self) -> list[Column]:
        return [
            Column(_("When"), attr("created_at"), 20),
            Column(_("Event"), lambda e: e.get_kind_display(), 22),
            Column(_("Who"), security_event_user_text, 24),
            Column(_("E-mail"), lambda e: e.user.email if e.user else e.username, 28),
            Column(_("Client address"), attr("ip_address"), 18),
            Column(_("Browser or client"), attr("user_agent"), 40),
            Column(_("Detail"), security_event_detail_text, 50),
        ]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        data = super().get_context_data(**kwargs)
        data["events"] = list(data["page"].object_list)
        return data
