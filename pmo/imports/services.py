"""Writes of imports: upload a file as a batch (read and validated, nothing imported), import a batch (all rows or
none), delete a batch, purge old batches.

Who: ``data.import`` and the entity's own right (``EntitySpec.may_import``); row-level rights (the projects a
manager may change) are checked by the spec's fields for each row. Refusals: ``ValidationError`` for a file that
cannot be read (API 400, no batch kept); ``PermissionDenied`` (403); ``ImportConflict`` for a batch imported or
failed already (409).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from pmo.imports.models import ImportBatch
from pmo.imports.parsing import read_table
from pmo.imports.registry import entity_specs
from pmo.imports.specs import EntitySpec, ImportContext, RowError, Validation, run_import, validate
from pmo.tenancy.access import OrgAccess
from pmo.tenancy.models import Organization
from pmo.tenancy.roles import Capability
from projects.changes.services import actor_access
from projects.knowledge.uploads import clean_file_name

# Batches older than this are deleted by ``imports.purge_batches`` (beat, daily).
RETENTION = dt.timedelta(days=1)


class ImportConflict(Exception):
    """The batch is not (any more) waiting to be imported (the API answers 409)."""


@dataclass(frozen=True)
class Outcome:
    """A batch after an upload or an import attempt, with the problems found (empty when it went through)."""

    batch: ImportBatch
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    validation: Validation | None = None

    @property
    def ok(self) -> bool:
        return self.error_count == 0


def may_import(access: OrgAccess, spec: EntitySpec) -> bool:
    return access.can(Capability.DATA_IMPORT) and spec.may_import(access)


def import_context(*, organization: Organization, actor: Any, spec: EntitySpec) -> ImportContext:
    """The context to validate and import ``spec`` rows as ``actor``; ``PermissionDenied`` unless they may."""
    access = actor_access(organization=organization, actor=actor)
    if not may_import(access, spec):
        raise PermissionDenied(_("You may not import %(what)s.") % {"what": str(spec.label).lower()})
    return ImportContext(organization=organization, access=access, actor=actor)


def batch_rows(batch: ImportBatch) -> list[tuple[int, list[str]]]:
    return [(row["line"], row["cells"]) for row in batch.rows]


def _record(batch: ImportBatch, errors: list[RowError], count: int) -> None:
    batch.errors = [error.as_dict() for error in errors]
    batch.error_count = count
    batch.language = translation.get_language() or ""


@transaction.atomic
def batch_create(*, organization: Organization, actor: Any, entity: str, file_name: str, content: bytes) -> Outcome:
    """Read ``content`` (a CSV or XLSX called ``file_name``) as rows of ``entity`` and keep it as a batch with the
    problems found (a dry run: nothing is imported). A file that cannot be read is refused (``ValidationError``
    on ``file``) and no batch is kept."""
    spec = entity_specs().get(entity)
    if spec is None:
        raise ValidationError({"entity": [_("Choose one of: %(choices)s.") % {"choices": ", ".join(entity_specs())}]})
    ctx = import_context(organization=organization, actor=actor, spec=spec)
    name = clean_file_name(file_name) or "upload"
    table = read_table(name=name, content=content)
    validation = validate(spec, ctx, table.header, table.rows)
    batch = ImportBatch(
        organization=organization,
        created_by=actor,
        entity=spec.key,
        file_name=name,
        file_format=table.file_format,
        sha256=hashlib.sha256(content).hexdigest(),
        header=table.header,
        rows=[{"line": line, "cells": cells} for line, cells in table.rows],
        row_count=len(table.rows),
    )
    _record(batch, validation.errors, validation.error_count)
    batch.save()
    return Outcome(batch=batch, errors=validation.errors, error_count=validation.error_count, validation=validation)


@transaction.atomic
def batch_commit(*, organization: Organization, actor: Any, batch: ImportBatch) -> Outcome:
    """Import every row of ``batch`` through the entity's bulk service (a fixed number of queries), or none.

    The batch row is locked first, so a second request (a double click) waits and then finds it imported
    (``ImportConflict``). The rows are validated again, as ``actor`` and against the data as it is now; any
    problem, or a row that a service refuses, leaves nothing imported and marks the batch failed with the
    problems (returned, not raised, so that the failed state is saved)."""
    locked = ImportBatch.objects.select_for_update().get(organization=organization, pk=batch.pk)
    if locked.status == ImportBatch.Status.IMPORTED:
        raise ImportConflict(_("This file has been imported already."))
    if locked.status == ImportBatch.Status.FAILED:
        raise ImportConflict(_("This import failed: correct the file and upload it again."))
    spec = entity_specs()[locked.entity]
    ctx = import_context(organization=organization, actor=actor, spec=spec)
    validation = validate(spec, ctx, locked.header, batch_rows(locked))
    errors, count = validation.errors, validation.error_count
    created: list[int] = []
    if validation.ok:
        created, errors = run_import(validation, ctx, locked.header)
        count = len(errors)
    if errors:
        locked.status = ImportBatch.Status.FAILED
        _record(locked, errors, count)
        locked.save(update_fields=["status", "errors", "error_count", "language"])
        return Outcome(batch=locked, errors=errors, error_count=count, validation=validation)
    locked.status = ImportBatch.Status.IMPORTED
    locked.imported_at = timezone.now()
    locked.imported_count = len(created)
    locked.imported_ids = created
    _record(locked, [], 0)
    locked.save(
        update_fields=["status", "imported_at", "imported_count", "imported_ids", "errors", "error_count", "language"]
    )
    return Outcome(batch=locked, validation=validation)


@transaction.atomic
def batch_delete(*, organization: Organization, actor: Any, batch: ImportBatch) -> None:
    """Forget a batch (the objects it imported stay)."""
    ImportBatch.objects.filter(organization=organization, pk=batch.pk, created_by=actor).delete()


@transaction.atomic
def batches_purge(*, organization: Organization, now: dt.datetime | None = None) -> int:
    """Delete the organisation's batches uploaded more than ``RETENTION`` ago; how many. Idempotent."""
    cutoff = (now or timezone.now()) - RETENTION
    deleted, _per_model = ImportBatch.objects.filter(organization=organization, created_at__lt=cutoff).delete()
    return deleted
