"""The audit trail: trigger-written history (django-pghistory) of every tracked tenant table.

Triggers record every insert, update and delete, including bulk ``update()`` and raw SQL, with the request's
context (acting user, URL, organisation) stored on each event row.  Event tables carry ``organization_id`` and are
RLS-protected like the tables they track.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pghistory.models
from django.apps import apps
from django.contrib.auth import get_user_model

from pmo.tenancy.models import Organization


@dataclass(frozen=True)
class AuditEntry:
    created_at: datetime
    model: str
    model_label: str
    object_id: str | None
    action: str
    diff: dict[str, Any]
    data: dict[str, Any]
    actor: Any
    url: str
    summary: str


def _summary(data: dict[str, Any]) -> str:
    """A short human label of the changed row: its code and name, or its e-mail or role."""
    parts = [str(data[key]) for key in ("code", "name", "email", "role") if data.get(key)]
    return " ".join(parts[:2])


def tenant_event_models() -> list[type[Any]]:
    """Every pghistory event model of a tenant table (one with an ``organization`` column)."""
    return [
        model
        for model in apps.get_models()
        if issubclass(model, pghistory.models.Event)
        and not model._meta.abstract
        and any(field.name == "organization" for field in model._meta.fields)
    ]


def audit_entries(
    *, organization: Organization, model: str | None = None, limit: int = 100, offset: int = 0
) -> list[AuditEntry]:
    """Recent changes in ``organization``, newest first; two queries whatever the page size."""
    event_models = tenant_event_models()
    if model:
        event_models = [m for m in event_models if m.pgh_tracked_model._meta.label_lower == model]
    if not event_models:
        return []
    rows = list(
        pghistory.models.Events.objects.across(*event_models)
        .filter(pgh_data__organization_id=organization.pk)
        .order_by("-pgh_created_at", "-pgh_id")[offset : offset + limit]
    )
    user_ids = {row.pgh_context.get("user") for row in rows if row.pgh_context}
    users = get_user_model()._default_manager.in_bulk([uid for uid in user_ids if uid])
    labels = {m.pgh_tracked_model._meta.label: m.pgh_tracked_model._meta.verbose_name for m in event_models}
    return [
        AuditEntry(
            created_at=row.pgh_created_at,
            model=row.pgh_obj_model,
            model_label=str(labels.get(row.pgh_obj_model, row.pgh_obj_model)),
            object_id=row.pgh_obj_id,
            action=row.pgh_label,
            diff={k: v for k, v in (row.pgh_diff or {}).items() if k != "organization_id"},
            # The page labels an inserted row by its name or e-mail; not every model has both keys.
            data=row.pgh_data or {},
            summary=_summary(row.pgh_data or {}),
            actor=users.get((row.pgh_context or {}).get("user")),
            url=(row.pgh_context or {}).get("url", ""),
        )
        for row in rows
    ]


def audit_model_choices() -> list[tuple[str, str]]:
    return sorted(
        (m.pgh_tracked_model._meta.label_lower, str(m.pgh_tracked_model._meta.verbose_name))
        for m in tenant_event_models()
    )
