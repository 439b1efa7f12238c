"""A cache of read results per organisation, invalidated by every write to that organisation's rows.

Pages that aggregate a whole organisation (the executive dashboard, the PMO cockpit) cost tens of statements to
compute and give the same answer until somebody writes. ``cached()`` keeps their result in the Django cache (Redis
when ``REDIS_URL`` is set, so every gunicorn worker shares it; process memory otherwise) under a key that holds the
organisation's **data version**, so that any write makes every older entry unreachable at once.

**Versions.** Each organisation has a version, and one more, the *global* version, covers the rows of no
organisation (users, organisations themselves) and writes made with no tenant active. A version is a random token
in the cache (never expiring); a *bump* replaces it with a new one. A version missing from the cache (first use,
eviction, ``cache.clear()``) is created at random too, so an entry written under a lost version can never be read
again. A reader's key holds its organisation's version and the global version (one ``get_many``).

**Who bumps.** ``install()`` puts ``watch_writes`` first in ``execute_wrappers`` of every database connection
(``connection_created``, see ``pmo.core.apps``). It reads the head of each statement Django sends — ORM, raw cursor
and bulk services alike — and notices ``INSERT``, ``UPDATE``, ``DELETE`` (also inside ``WITH``), ``TRUNCATE`` and
``COPY``. A write to a table with an ``organization_id`` column bumps the organisation active in
``pmo.tenancy.context`` (RLS lets a transaction write no other organisation's rows); a write to any other table, or
with no tenant active, bumps the global version. Some statements run on plain reads and change nothing a cached page
shows; they are ignored (``IGNORED_TABLES``, ``IGNORED_UPDATES``): the session row, an API token's last use, a user's
last login, Celery beat's bookkeeping. A write that escapes the wrapper (``COPY`` through psycopg's own
``cursor.copy()``, another program writing to the database) is not seen: call ``bump()`` after it, or wait for the
TTL.

Each organisation written by a transaction is bumped twice: **at once**, at its first write in the transaction, and
**on commit** (``on_commit``, robust: a failing cache is logged, the commit stands). The bump on commit is the one
that matters to other readers: a reader takes the versions *before* it computes, so whatever it computed before the
commit is stored under a version that the commit has replaced. (A reader that runs between the commit and its bump,
a few microseconds, may serve or store data without that commit under the old version, as with any cache
invalidated after the fact; later readers never see it.) The bump at once is not needed for correctness once
transactions that wrote read fresh (below); it costs one cache write per transaction and organisation and is kept
so that a write is never missed where no commit hook runs (autocommit statements, manual transactions).

**Transactions that wrote read fresh.** The design first proposed let a transaction that had written cache what it
computed under the version bumped at once. That is a flaw: if the transaction then rolls back, its entry holds rows
that never existed, under the version every other reader uses. So ``cached()`` never reads nor stores the shared
cache while the current transaction has writes pending (a bump marker still queued in ``run_on_commit``; a savepoint
that rolled back drops its markers with it): it computes, and the transaction sees its own writes. This also makes a
test whose transaction never commits see its writes, and a rolled-back write leaves no entry behind. Readers are
expected to run at READ COMMITTED (Django's default), where each statement sees the latest commits.

**Keys.** ``cached(namespace, organization_id=…, parts=…, compute=…)``: ``parts`` must name *everything* the result
depends on besides the organisation's rows: the reader's visibility (a role that sees every project, or the user),
the filters, the language when the result holds translated or rendered text, today's date in the organisation's time
zone. Results are never shared across organisations (the organisation's id is in the key) and the caller must never
share them across visibility. Bump ``namespace`` (``"dashboard-v2"``) when the shape of what is cached changes, so a
deployment never reads the previous code's entries.

**A cache that cannot be reached** never fails a request: a bump is logged and skipped (the write stands), a
reader computes without the cache. Entries stored before such an outage and not bumped during it may then be served
until their lifetime ends.

**Time.** Entries live ``DATACACHE_TIMEOUT`` seconds (a setting; 300 by default). Figures that depend on the clock
rather than on rows — a due time passing, an alert's age in hours — may lag that long behind; put the date, or a
coarser clock, in ``parts`` where a lag would mislead.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import re
import uuid
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db import connection as default_connection
from django.db.backends.base.base import BaseDatabaseWrapper
from redis.exceptions import RedisError

from pmo.tenancy.context import current_organization_id

logger = logging.getLogger(__name__)

T = TypeVar("T")

GLOBAL = "global"
DEFAULT_TIMEOUT = 300
_VERSION_PREFIX = "datacache:version:"
_ENTRY_PREFIX = "datacache:entry:"
_MISSING = object()
# What the cache backends raise when their server cannot be reached (Django's Redis backend: redis-py's errors).
CACHE_ERRORS: tuple[type[Exception], ...] = (RedisError, ConnectionError, TimeoutError)

# Tables written on plain reads, whose rows no cached result shows.
IGNORED_TABLES = frozenset({"django_session"})
IGNORED_TABLE_PREFIXES = ("django_celery_beat_", "django_celery_results_")
# (table, column): an UPDATE that sets only this column (an API token's last use, a user's last login).
IGNORED_UPDATES = frozenset({("accounts_apitoken", "last_used_at"), ("accounts_user", "last_login")})

_PGHISTORY_PREFIX = "SELECT set_config('pghistory."
_WRITE = re.compile(
    r'\s*(INSERT\s+INTO|UPDATE|DELETE\s+FROM|TRUNCATE|COPY)\s+(?:ONLY\s+|TABLE\s+)?"?([\w.]+)"?', re.IGNORECASE
)
_CTE_WRITE = re.compile(r'(?<![Ff][Oo][Rr] )\b(INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+(?:ONLY\s+)?"?([\w.]+)"?', re.I)
_COPY_IN = re.compile(r"\bFROM\s+(?:STDIN|PROGRAM|')", re.IGNORECASE)
_SET_ONLY = re.compile(r'\s*UPDATE\s+"?[\w.]+"?\s+SET\s+"?(\w+)"?\s*=\s*%s\s+WHERE\s', re.IGNORECASE)


# --- Versions ----------------------------------------------------------------------------------------------------


def _version_key(scope: int | str) -> str:
    return f"{_VERSION_PREFIX}{scope}"


def bump(scope: int | str) -> None:
    """Give ``scope`` (an organisation's id, or ``GLOBAL``) a new data version: every entry cached under the old one
    becomes unreachable. A cache that cannot be reached is logged, never raised: a write must not fail for it."""
    try:
        cache.set(_version_key(scope), uuid.uuid4().hex, timeout=None)
    except CACHE_ERRORS:
        logger.exception("Data cache unreachable: the data version of %s was not bumped", scope)


def versions(*scopes: int | str) -> tuple[str, ...]:
    """The current versions of ``scopes`` (one ``get_many``; a missing one is created at random)."""
    keys = [_version_key(scope) for scope in scopes]
    found = cache.get_many(keys)
    for key in keys:
        if key not in found:
            cache.add(key, uuid.uuid4().hex, timeout=None)
            found[key] = cache.get(key)
    return tuple(str(found[key]) for key in keys)


# --- Noticing writes ---------------------------------------------------------------------------------------------


@functools.cache
def _tenant_tables() -> frozenset[str]:
    """Tables whose rows carry ``organization_id`` (models, through tables and guardian's included)."""
    return frozenset(
        model._meta.db_table
        for model in apps.get_models(include_auto_created=True)
        if any(field.column == "organization_id" for field in model._meta.concrete_fields)
    )


def written_table(sql: str) -> str | None:
    """The table a statement writes (``"*"`` for a ``TRUNCATE`` or ``COPY`` of several), ``None`` for a read."""
    if sql.startswith(_PGHISTORY_PREFIX):
        sql = sql.split("; ", 1)[-1]
    head = sql[:64].lstrip()[:1].upper()
    if head in ("I", "U", "D", "T", "C"):
        found = _WRITE.match(sql)
        if found is None:
            return None
        verb = found.group(1).upper()
        if verb == "TRUNCATE" and "," in sql:
            return "*"
        if verb == "COPY" and not _COPY_IN.search(sql):
            return None  # COPY … TO reads
        return found.group(2).split(".")[-1]
    if head == "W":
        found = _CTE_WRITE.search(sql)
        return found.group(2).split(".")[-1] if found else None
    return None


def _ignored(table: str, sql: str) -> bool:
    if table in IGNORED_TABLES or table.startswith(IGNORED_TABLE_PREFIXES):
        return True
    only = _SET_ONLY.match(sql)
    return only is not None and (table, only.group(1)) in IGNORED_UPDATES


class _Bump:
    """The bump of one scope queued with ``on_commit``; while it is queued, its transaction has pending writes."""

    def __init__(self, scope: int | str) -> None:
        self.scope = scope

    def __call__(self) -> None:
        bump(self.scope)


def _pending(wrapper: BaseDatabaseWrapper, marker: _Bump) -> bool:
    return wrapper.in_atomic_block and any(entry[1] is marker for entry in wrapper.run_on_commit)


def has_pending_writes(wrapper: BaseDatabaseWrapper | None = None) -> bool:
    """Whether the current transaction of ``wrapper`` (default: the default connection) wrote rows that it has not
    committed yet."""
    wrapper = wrapper or default_connection
    return wrapper.in_atomic_block and any(isinstance(entry[1], _Bump) for entry in wrapper.run_on_commit)


def _record_write(wrapper: BaseDatabaseWrapper, table: str) -> None:
    organization_id = current_organization_id()
    scope: int | str = organization_id if table in _tenant_tables() and organization_id is not None else GLOBAL
    markers: dict[int | str, _Bump] = wrapper.__dict__.setdefault("_datacache_markers", {})
    marker = markers.get(scope)
    if marker is not None and _pending(wrapper, marker):
        return  # bumped at once already in this transaction, and queued for its commit
    bump(scope)
    if wrapper.in_atomic_block:
        marker = _Bump(scope)
        wrapper.on_commit(marker, robust=True)
        markers[scope] = marker
    # Outside a transaction the statement is committed already: the bump above was the bump on commit.


def watch_writes(execute: Callable[..., Any], sql: Any, params: Any, many: bool, context: dict[str, Any]) -> Any:
    """The execute wrapper: runs the statement, then bumps what it wrote."""
    result = execute(sql, params, many, context)
    text = sql.decode(errors="replace") if isinstance(sql, bytes) else str(sql)
    table = written_table(text)
    if table is not None and not _ignored(table, text):
        _record_write(context["connection"], table)
    return result


def install(sender: Any = None, *, connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    """``connection_created`` receiver: put ``watch_writes`` first (outermost, so it sees the statement as Django
    sent it, and so that ``execute_wrapper()`` blocks open at this moment still pop their own wrapper)."""
    if watch_writes not in connection.execute_wrappers:
        connection.execute_wrappers.insert(0, watch_writes)


# --- Reading -----------------------------------------------------------------------------------------------------


def entry_key(namespace: str, *, organization_id: int, parts: Iterable[object]) -> str:
    """The cache key of a result now: the namespace, the organisation and its versions, and a digest of ``parts``
    (``repr`` of plain values: str, int, date, tuples and frozen dataclasses of them)."""
    organization_version, global_version = versions(organization_id, GLOBAL)
    digest = hashlib.blake2b(repr(tuple(parts)).encode(), digest_size=16).hexdigest()
    return f"{_ENTRY_PREFIX}{namespace}:{organization_id}:{organization_version}:{global_version}:{digest}"


def cached(
    namespace: str,
    *,
    organization_id: int,
    parts: Iterable[object],
    compute: Callable[[], T],
    timeout: int | None = None,
) -> T:
    """``compute()``'s result for ``organization_id`` and ``parts``, from the cache when no write has touched the
    organisation (or the global rows) since it was stored; computed and stored otherwise. A transaction with pending
    writes always computes, and stores nothing (see the module's docstring)."""
    if has_pending_writes():
        return compute()
    try:
        key = entry_key(namespace, organization_id=organization_id, parts=parts)
        found = cache.get(key, _MISSING)
    except CACHE_ERRORS:
        logger.warning("Data cache unreachable: %s computed without it", namespace, exc_info=True)
        return compute()
    if found is not _MISSING:
        return found
    value = compute()
    if not has_pending_writes():
        lifetime = timeout if timeout is not None else getattr(settings, "DATACACHE_TIMEOUT", DEFAULT_TIMEOUT)
        try:
            cache.set(key, value, timeout=lifetime)
        except CACHE_ERRORS:
            logger.warning("Data cache unreachable: %s not stored", namespace, exc_info=True)
    return value
