"""The audit trail: trigger-written history (django-pghistory) of every tracked tenant table.

Triggers record every insert, update and delete, including bulk ``update()`` and raw SQL, with the request's
context (acting user, URL, organisation) stored on each event row.  Event tables carry ``organization_id`` and are
RLS-protected like the tables they track.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, overload

import pghistory.models
from django.apps import apps
from django.contrib.auth import get_user_model
from django.db.models import CharField, Q, Value

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


ACTIONS = ("insert", "update", "delete")


@dataclass(frozen=True)
class AuditFilters:
    model: str | None = None  # an app label, e.g. "projects.project"
    action: str = ""  # insert | update | delete
    actor: int | None = None  # a user id
    since: date | None = None  # days in the current (the organisation's) time zone, both inclusive
    until: date | None = None
    oldest_first: bool = False


class AuditTrail:
    """The changes of ``organization`` matching ``filters`` as a lazy sequence: ``count()`` and slices each run
    their own queries (a slice: three, whatever its length), so a ``Paginator`` reads one page and an export walks
    every row in chunks."""

    CHUNK = 2000

    def __init__(self, *, organization: Organization, filters: AuditFilters | None = None) -> None:
        self.organization = organization
        self.filters = filters or AuditFilters()
        event_models = tenant_event_models()
        if self.filters.model:
            event_models = [m for m in event_models if m.pgh_tracked_model._meta.label_lower == self.filters.model]
        self.event_models = event_models
        self._count: int | None = None

    def _table_rows(self, model: type[Any]) -> Any:
        """One event table's matching rows, on its own ``organization_id`` column (no JSON built per row)."""
        filters = self.filters
        rows = model._default_manager.filter(organization_id=self.organization.pk)
        if filters.action:
            rows = rows.filter(pgh_label=filters.action)
        if filters.actor is not None:
            rows = rows.filter(pgh_context__user=filters.actor)
        if filters.since is not None:
            rows = rows.filter(pgh_created_at__date__gte=filters.since)
        if filters.until is not None:
            rows = rows.filter(pgh_created_at__date__lte=filters.until)
        return rows

    def _union(self, columns: tuple[str, ...]) -> Any:
        label = CharField()
        first, *rest = [
            self._table_rows(model)
            .annotate(model_label=Value(model.pgh_tracked_model._meta.label, output_field=label))
            .values_list(*columns)
            for model in self.event_models
        ]
        return first.union(*rest, all=True) if rest else first

    def count(self) -> int:
        """The number of matching changes: one ``UNION ALL`` count over the event tables (several times cheaper
        than counting the aggregated events, which build each row's data and diff)."""
        if not self.event_models:
            return 0
        if self._count is None:
            self._count = self._union(("pgh_id",)).count()
        return self._count

    def _keys(self, index: slice) -> list[tuple[str, int]]:
        """The (model label, event id) of the slice, in order: sorted and cut on the event tables' own columns."""
        if self.filters.oldest_first:
            order = ("pgh_created_at", "pgh_id", "model_label")
        else:
            order = ("-pgh_created_at", "-pgh_id", "model_label")
        rows = self._union(("pgh_created_at", "pgh_id", "model_label")).order_by(*order)[index]
        return [(label, pk) for _at, pk, label in rows]

    def __len__(self) -> int:
        return self.count()

    @overload
    def __getitem__(self, index: int) -> AuditEntry: ...
    @overload
    def __getitem__(self, index: slice) -> list[AuditEntry]: ...
    def __getitem__(self, index: int | slice) -> AuditEntry | list[AuditEntry]:
        if isinstance(index, int):
            entries = self[index : index + 1]
            if not entries:
                raise IndexError(index)
            return entries[0]
        if not self.event_models:
            return []
        # Two steps: the slice's keys from the plain tables, then only those events with their data and diff
        # (building them for every row before sorting made a page cost half a second on the demo).
        keys = self._keys(index)
        if not keys:
            return []
        wanted: dict[str, list[int]] = {}
        for label, pk in keys:
            wanted.setdefault(label, []).append(pk)
        models = [m for m in self.event_models if m.pgh_tracked_model._meta.label in wanted]
        which = Q()
        for label, pks in wanted.items():
            which |= Q(pgh_obj_model=label, pgh_id__in=pks)
        events = list(pghistory.models.Events.objects.across(*models).filter(which))
        position = {key: place for place, key in enumerate(keys)}
        events.sort(key=lambda row: position.get((row.pgh_obj_model, row.pgh_id), len(position)))
        return self._entries(events)

    def __iter__(self) -> Iterator[AuditEntry]:
        offset = 0
        while True:
            chunk = self[offset : offset + self.CHUNK]
            yield from chunk
            if len(chunk) < self.CHUNK:
                return
            offset += self.CHUNK

    def _entries(self, rows: list[Any]) -> list[AuditEntry]:
        user_ids = {row.pgh_context.get("user") for row in rows if row.pgh_context}
        users = get_user_model()._default_manager.in_bulk([uid for uid in user_ids if uid])
        labels = {m.pgh_tracked_model._meta.label: m.pgh_tracked_model._meta.verbose_name for m in self.event_models}
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


def audit_entries(
    *, organization: Organization, model: str | None = None, limit: int = 100, offset: int = 0
) -> list[AuditEntry]:
    """Recent changes in ``organization``, newest first; two queries whatever the page size."""
    return AuditTrail(organization=organization, filters=AuditFilters(model=model))[offset : offset + limit]


def audit_model_choices() -> list[tuple[str, str]]:
    return sorted(
        (m.pgh_tracked_model._meta.label_lower, str(m.pgh_tracked_model._meta.verbose_name))
        for m in tenant_event_models()
    )


@dataclass(frozen=True)
class SecurityEventFilters:
    kind: str = ""
    user: int | None = None  # a user id
    since: date | None = None  # days in the current (the organisation's) time zone, both inclusive
    until: date | None = None


def security_events(*, organization: Organization, filters: SecurityEventFilters | None = None) -> Any:
    """The security events of ``organization`` matching ``filters``, newest first, with their users (one query a
    page, plus the count)."""
    from pmo.audit.models import SecurityEvent

    filters = filters or SecurityEventFilters()
    rows = SecurityEvent.objects.filter(organization=organization).select_related("user")
    if filters.kind:
        rows = rows.filter(kind=filters.kind)
    if filters.user is not None:
        rows = rows.filter(user_id=filters.user)
    if filters.since is not None:
        rows = rows.filter(created_at__date__gte=filters.since)
    if filters.until is not None:
        rows = rows.filter(created_at__date__lte=filters.until)
    return rows.order_by("-created_at", "-id")
