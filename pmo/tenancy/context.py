"""The current organisation: one place that sets it for the ORM, for PostgreSQL RLS and for the audit trail.

The organisation is held in a context variable (read by ``TenantManager``) and, inside the current transaction,
in the PostgreSQL setting ``app.organization_id`` (read by the RLS policies).  ``set_config(..., true)`` makes the
setting transaction-local, so it can never leak to another request through a pooled connection, and it is safe
behind PgBouncer in transaction mode.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING

import pghistory
from django.db import connection, transaction

if TYPE_CHECKING:
    from pmo.tenancy.models import Organization

_organization_id: ContextVar[int | None] = ContextVar("pmo_organization_id", default=None)


class TenantContextMissing(RuntimeError):
    """A tenant-scoped query ran with no organisation set: we fail closed instead of returning all rows."""


class NotInTransaction(RuntimeError):
    """The tenant was activated outside a transaction, where a transaction-local setting would be lost."""


def current_organization_id() -> int | None:
    return _organization_id.get()


def require_organization_id() -> int:
    organization_id = _organization_id.get()
    if organization_id is None:
        raise TenantContextMissing("No organisation is active; use tenant_context() or an organisation view.")
    return organization_id


# pgtrigger's triggers (pghistory's among them) first ask whether they are to be ignored, reading the setting
# ``pgtrigger.ignore`` inside an exception block: while it is undefined, every tracked row written pays a raised and
# caught error in a subtransaction (~0.17 ms a row measured, three quarters of the trigger's cost). Defining it as the
# empty list for the transaction, in the statement that sets the organisation, spares that; ``pgtrigger.ignore()``
# blocks still set their own value before each of their statements.
_NO_IGNORED_TRIGGERS = "SELECT set_config(%s, %s, true), set_config('pgtrigger.ignore', '{}', true)"


def _set_db(name: str, value: int | str | None) -> None:
    if not connection.in_atomic_block:
        raise NotInTransaction(f"{name} must be set inside a transaction")
    statement = _NO_IGNORED_TRIGGERS if name == "app.organization_id" else "SELECT set_config(%s, %s, true)"
    with connection.cursor() as cursor:
        cursor.execute(statement, [name, "" if value is None else str(value)])


def set_db_user(user_id: int | None) -> None:
    """Make the acting user visible to RLS policies that let a user see their own memberships."""
    _set_db("app.user_id", user_id)


def activate(organization_id: int | None, *, user_id: int | None = None) -> None:
    """Set the organisation for the rest of the current transaction and context (used by request handling)."""
    _set_db("app.organization_id", organization_id)
    if user_id is not None:
        set_db_user(user_id)
    _organization_id.set(organization_id)
    if organization_id is not None:
        pghistory.context(organization_id=organization_id)


def deactivate() -> None:
    """Forget the organisation in this context (the database setting dies with its transaction)."""
    _organization_id.set(None)


@contextmanager
def tenant_context(organization: Organization | int, *, user_id: int | None = None) -> Iterator[None]:
    """Run a block as one organisation: inside a transaction (a savepoint when nested), RLS and ORM scoped.

    Used by Celery tasks, management commands and tests. On exit the previous organisation is restored.
    """
    organization_id = organization if isinstance(organization, int) else organization.pk
    previous = _organization_id.get()
    history: dict[str, int] = {"organization_id": organization_id}
    if user_id is not None:
        history["user"] = user_id
    with transaction.atomic(), pghistory.context(**history):
        _set_db("app.organization_id", organization_id)
        if user_id is not None:
            set_db_user(user_id)
        token = _organization_id.set(organization_id)
        try:
            yield
        finally:
            _organization_id.reset(token)
            if connection.in_atomic_block and not connection.needs_rollback:
                _set_db("app.organization_id", previous)
