"""Reads of imports: the caller's own batches (a batch is a working record of whoever uploaded it: anyone else,
in this organisation or another, gets 404), and a pending batch validated again for its preview."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from pmo.imports.models import ImportBatch
from pmo.imports.registry import entity_specs
from pmo.imports.services import batch_rows, may_import
from pmo.imports.specs import ImportContext, Validation, validate
from pmo.tenancy.access import OrgAccess

# The parsed rows are only read to validate or import a batch, never to list batches.
LIST_DEFERRED = ("header", "rows", "errors", "imported_ids")


def batches_of(*, access: OrgAccess) -> QuerySet[ImportBatch]:
    return ImportBatch.objects.filter(
        organization=access.organization, created_by_id=access.membership.user_id
    ).order_by("-created_at", "-pk")


def batch_get_for_actor(*, access: OrgAccess, pk: Any) -> ImportBatch:
    """One of the caller's batches; ``Http404`` alike for a missing one, another user's and another
    organisation's."""
    batch = batches_of(access=access).filter(pk=pk).first() if str(pk).isdigit() else None
    if batch is None:
        raise Http404
    return batch


def batch_validation(*, access: OrgAccess, actor: Any, batch: ImportBatch) -> Validation | None:
    """A batch not yet imported, validated again now (in the active language, against the data as it is): what its
    preview shows. ``None`` for an imported or failed batch (its stored outcome is what it shows), or when the
    caller may no longer import this entity."""
    spec = entity_specs()[batch.entity]
    if batch.status != ImportBatch.Status.PREVIEWED or not may_import(access, spec):
        return None
    ctx = ImportContext(organization=access.organization, access=access, actor=actor)
    return validate(spec, ctx, batch.header, batch_rows(batch))
