"""Moving one organisation between installations: ``organization_export`` writes a portable archive,
``organization_import`` restores it under a new organisation with new primary keys.

The archive (tar.gz) holds:

- ``manifest.json``: format version, the schema (latest migration of every app), the source organisation, and for
  every member file its row count and SHA-256;
- ``organization.json``: the organisation's own settings;
- ``users.jsonl``: every user the organisation's rows refer to (e-mail, name, language, password hash unless
  exported ``without_password_hashes``); users are global, so they are matched by e-mail on import;
- ``permissions.jsonl``: the permissions the object-permission tables refer to, by natural key;
- ``tables/<db_table>.jsonl``: every row of every tenant table (``organization_id`` columns: domain tables, their
  pghistory event tables, the guardian object-permission tables), one JSON object a line (``row_to_json``);
- ``files/<name>``: the uploaded files the rows name.

Export streams each table with ``COPY (SELECT row_to_json(...)) TO STDOUT`` inside the organisation's tenant
context, so Row-Level Security applies and nothing is held in memory. Import stages the lines in temporary tables,
allocates new ids from each table's sequence, and inserts with every foreign key rewritten in SQL (a temporary
old → new id map), all in one transaction: a refusal or an error leaves nothing behind. History events are imported
as they were (with their object ids and context remapped) and the history triggers are suppressed while importing,
so the import itself leaves no events.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import shutil
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import pgtrigger
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.exceptions import FieldDoesNotExist
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.db import connection, models, transaction
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

from pmo.tenancy.context import tenant_context
from pmo.tenancy.models import Organization

FORMAT_VERSION = 1
ORGANIZATION_FIELDS = ("name", "pmo_type", "time_zone", "currency", "default_language", "created_at")
USER_FIELDS = ("email", "full_name", "language", "is_active", "date_joined", "last_login")
# COPY in CSV mode with a quote and a delimiter that JSON never contains unescaped: each line is the JSON text as is.
_COPY_RAW = "(FORMAT csv, QUOTE E'\\x01', DELIMITER E'\\x02')"
_ORG_PREFIX = re.compile(r"^org-\d+/")
USERS = "accounts_user"
PERMISSIONS = "auth_permission"


# Ids kept inside JSON columns: (table, column) → (key of each array element, referenced table). Baselines record
# the milestones and phases they froze by id; the import rewrites those ids with the rest.
JSON_REFERENCES: dict[tuple[str, str], tuple[str, str]] = {
    ("projects_baseline", "milestone_dates"): ("milestone", "projects_milestone"),
    ("projects_baseline", "phase_dates"): ("phase", "projects_projectphase"),
}


class ArchiveRefused(Exception):
    """The archive cannot be imported here (format, schema, checksum, slug taken …); nothing was changed."""


@dataclass(frozen=True)
class ForeignKey:
    column: str
    target: str  # the referenced table (a tenant table, accounts_user or auth_permission)
    constrained: bool  # False for the history tables' copies, which may name rows deleted since


@dataclass(frozen=True)
class TableSpec:
    label: str
    table: str
    pk: str
    foreign_keys: tuple[ForeignKey, ...]
    file_columns: tuple[str, ...]
    has_context: bool


@dataclass
class ExportResult:
    path: Path
    tables: dict[str, int]
    users: int
    files: int
    missing_files: list[str] = field(default_factory=list)


@dataclass
class ImportResult:
    organization: Organization
    tables: dict[str, int]
    users_created: int
    users_matched: int
    files: int


def _is_tenant_model(model: type[models.Model]) -> bool:
    try:
        organization = model._meta.get_field("organization")
    except FieldDoesNotExist:
        return False
    return bool(getattr(organization, "concrete", False)) and organization.related_model is Organization


def tenant_table_specs() -> list[TableSpec]:
    """Every tenant table (it has an ``organization`` foreign key), in a stable order (by table name)."""
    tenant_models = [m for m in apps.get_models() if not m._meta.proxy and m._meta.managed and _is_tenant_model(m)]
    tenant_tables = {m._meta.db_table for m in tenant_models}
    user_table = get_user_model()._meta.db_table
    specs = []
    for model in tenant_models:
        fks = []
        files = []
        for f in model._meta.concrete_fields:
            if isinstance(f, models.FileField):
                files.append(str(f.column))
            if not f.is_relation or f.name == "organization" or f.related_model is None:
                continue
            target = f.related_model._meta.db_table
            if target == user_table:
                target = USERS
            if target not in tenant_tables and target not in (USERS, PERMISSIONS):
                raise ArchiveRefused(f"{model._meta.label}.{f.name} refers to {target}, which the archive cannot carry")
            fks.append(ForeignKey(str(f.column), target, bool(getattr(f, "db_constraint", True))))
        columns = {f.column for f in model._meta.concrete_fields}
        specs.append(
            TableSpec(
                label=model._meta.label,
                table=model._meta.db_table,
                pk=str(model._meta.pk.column),
                foreign_keys=tuple(fks),
                file_columns=tuple(files),
                has_context="pgh_context" in columns,
            )
        )
    return sorted(specs, key=lambda s: s.table)


def schema_version() -> dict[str, str]:
    """The latest migration of every installed app that has migrations (the archive's schema version)."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return dict(sorted(loader.graph.leaf_nodes()))


def _qi(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _raw_cursor() -> Any:
    connection.ensure_connection()
    return connection.connection.cursor()


def _copy_out(sql: str, target: Path) -> int:
    """Stream a ``COPY ... TO STDOUT`` into ``target``; returns the line count."""
    lines = 0
    with _raw_cursor() as cursor, target.open("wb") as out, cursor.copy(sql) as copy:
        for chunk in copy:
            data = bytes(chunk)
            lines += data.count(b"\n")
            out.write(data)
    return lines


@contextmanager
def _consistent_snapshot() -> Iterator[None]:
    """One snapshot for every table of an export (REPEATABLE READ), so that rows written meanwhile cannot leave a
    reference to a row the archive lacks. Inside an enclosing transaction (tests, a purge) that one is used."""
    if connection.in_atomic_block:
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        yield


def _jsonl(path: Path, rows: Iterator[dict[str, Any]]) -> int:
    count = 0
    with path.open("w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")
            count += 1
    return count


def organization_export(
    *, organization: Organization, output: Path, include_password_hashes: bool = True
) -> ExportResult:
    """Write ``organization``'s complete data to the tar.gz archive ``output`` (see the module docstring)."""
    specs = tenant_table_specs()
    org_id = int(organization.pk)
    with tempfile.TemporaryDirectory(prefix="pmo-export-") as tmp:
        root = Path(tmp)
        (root / "tables").mkdir()
        counts: dict[str, int] = {}
        user_ids: set[int] = set()
        permission_ids: set[int] = set()
        file_names: set[str] = set()
        with _consistent_snapshot(), tenant_context(organization), connection.cursor() as cursor:
            for spec in specs:
                query = (
                    f"SELECT row_to_json(t) FROM {_qi(spec.table)} t "  # noqa: S608
                    f"WHERE organization_id = {org_id} ORDER BY {_qi(spec.pk)}"
                )
                counts[spec.table] = _copy_out(
                    f"COPY ({query}) TO STDOUT WITH {_COPY_RAW}", root / "tables" / f"{spec.table}.jsonl"
                )
                table = _qi(spec.table)
                for fk in spec.foreign_keys:
                    if fk.target in (USERS, PERMISSIONS):
                        cursor.execute(
                            f"SELECT DISTINCT {_qi(fk.column)} FROM {table} "  # noqa: S608
                            f"WHERE organization_id = %s AND {_qi(fk.column)} IS NOT NULL",
                            [org_id],
                        )
                        (user_ids if fk.target == USERS else permission_ids).update(r[0] for r in cursor.fetchall())
                if spec.has_context:
                    cursor.execute(
                        f"SELECT DISTINCT (pgh_context->>'user')::bigint FROM {table} "  # noqa: S608
                        "WHERE organization_id = %s AND pgh_context->>'user' ~ '^[0-9]+$'",
                        [org_id],
                    )
                    user_ids.update(r[0] for r in cursor.fetchall())
                for column in spec.file_columns:
                    cursor.execute(
                        f"SELECT DISTINCT {_qi(column)} FROM {table} "  # noqa: S608
                        f"WHERE organization_id = %s AND {_qi(column)} <> ''",
                        [org_id],
                    )
                    file_names.update(r[0] for r in cursor.fetchall())

            user_model = get_user_model()
            users = user_model._default_manager.filter(pk__in=user_ids).order_by("pk")

            def user_rows() -> Iterator[dict[str, Any]]:
                for user in users.iterator():
                    row = {"id": user.pk, **{name: getattr(user, name) for name in USER_FIELDS}}
                    row["password"] = user.password if include_password_hashes else None
                    yield row

            user_count = _jsonl(root / "users.jsonl", user_rows())
            permissions = Permission.objects.filter(pk__in=permission_ids).select_related("content_type").order_by("pk")
            _jsonl(
                root / "permissions.jsonl",
                (
                    {
                        "id": p.pk,
                        "app_label": p.content_type.app_label,
                        "model": p.content_type.model,
                        "codename": p.codename,
                    }
                    for p in permissions
                ),
            )
        with (root / "organization.json").open("w", encoding="utf-8") as out:
            data = {"id": org_id, "slug": organization.slug}
            data.update({name: getattr(organization, name) for name in ORGANIZATION_FIELDS})
            json.dump(data, out, ensure_ascii=False, default=str, indent=1)

        missing: list[str] = []
        stored_files: list[str] = []
        for name in sorted(file_names):
            if not _ORG_PREFIX.match(name) or ".." in Path(name).parts:
                missing.append(name)
                continue
            if not default_storage.exists(name):
                missing.append(name)
                continue
            target = root / "files" / name
            target.parent.mkdir(parents=True, exist_ok=True)
            with default_storage.open(name, "rb") as source, target.open("wb") as copied:
                shutil.copyfileobj(source, copied)
            stored_files.append(name)

        members = ["organization.json", "users.jsonl", "permissions.jsonl"]
        members += [f"tables/{spec.table}.jsonl" for spec in specs]
        members += [f"files/{name}" for name in stored_files]
        manifest = {
            "format": "pmo-organization-archive",
            "format_version": FORMAT_VERSION,
            "exported_at": timezone.now().isoformat(),
            "schema": schema_version(),
            "source": {"id": org_id, "slug": organization.slug, "name": organization.name},
            "password_hashes": include_password_hashes,
            "tables": {spec.table: {"model": spec.label, "rows": counts[spec.table]} for spec in specs},
            "users": user_count,
            "missing_files": missing,
            "checksums": {member: _sha256(root / member) for member in members},
        }
        (root / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
        output.parent.mkdir(parents=True, exist_ok=True)
        with tarfile.open(output, "w:gz") as archive:
            for member in ["manifest.json", *members]:
                archive.add(root / member, arcname=member, recursive=False)
    return ExportResult(path=output, tables=counts, users=user_count, files=len(stored_files), missing_files=missing)


# --- import ---------------------------------------------------------------------------------------------------


def _read_manifest(archive: tarfile.TarFile) -> dict[str, Any]:
    try:
        handle = archive.extractfile("manifest.json")
    except KeyError as exc:
        raise ArchiveRefused("The archive has no manifest.json: it is not an organisation export.") from exc
    if handle is None:
        raise ArchiveRefused("manifest.json is not a file.")
    try:
        manifest = json.load(handle)
    except ValueError as exc:
        raise ArchiveRefused(f"manifest.json is not valid JSON: {exc}") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != "pmo-organization-archive":
        raise ArchiveRefused("The archive is not a PMO organisation export.")
    return manifest


def _member(archive: tarfile.TarFile, name: str) -> IO[bytes]:
    try:
        info = archive.getmember(name)
    except KeyError as exc:
        raise ArchiveRefused(f"The archive lacks {name}.") from exc
    handle = archive.extractfile(info) if info.isfile() else None
    if handle is None:
        raise ArchiveRefused(f"{name} in the archive is not a regular file.")
    return handle


def archive_verify(path: Path) -> dict[str, Any]:
    """Check the archive's format, schema and every checksum without touching the database; returns the manifest.

    Raises ``ArchiveRefused`` with the reason.
    """
    try:
        archive = tarfile.open(path, "r:gz")  # noqa: SIM115 (closed by the ``with`` below; opening is what may fail)
    except (OSError, tarfile.TarError) as exc:
        raise ArchiveRefused(f"Cannot read {path}: {exc}") from exc
    with archive:
        manifest = _read_manifest(archive)
        version = manifest.get("format_version")
        if version != FORMAT_VERSION:
            raise ArchiveRefused(
                f"Archive format version {version!r} cannot be read by this installation (it reads {FORMAT_VERSION})."
            )
        ours = schema_version()
        theirs = manifest.get("schema") or {}
        differences = sorted(
            f"{app}: archive {theirs.get(app, '-')}, here {ours.get(app, '-')}"
            for app in set(ours) | set(theirs)
            if ours.get(app) != theirs.get(app)
        )
        if differences:
            raise ArchiveRefused(
                "The archive was written by a different schema version; migrate both installations to the same "
                "release first. Differences: " + "; ".join(differences)
            )
        tables = manifest.get("tables") or {}
        known = {spec.table for spec in tenant_table_specs()}
        if set(tables) != known:
            raise ArchiveRefused("The archive's tables differ from this installation's tenant tables.")
        checksums = manifest.get("checksums") or {}
        for name in ["organization.json", "users.jsonl", "permissions.jsonl", *(f"tables/{t}.jsonl" for t in known)]:
            if name not in checksums:
                raise ArchiveRefused(f"The manifest has no checksum for {name}.")
        for name, expected in checksums.items():
            if name.startswith("/") or ".." in Path(name).parts:
                raise ArchiveRefused(f"Unsafe path in the archive: {name}")
            digest = hashlib.sha256()
            handle = _member(archive, name)
            for chunk in iter(lambda h=handle: h.read(1 << 20), b""):  # type: ignore[misc]
                digest.update(chunk)
            if digest.hexdigest() != expected:
                raise ArchiveRefused(f"Checksum mismatch for {name}: the archive is corrupted.")
    return manifest


def _jsonl_rows(handle: IO[bytes]) -> Iterator[dict[str, Any]]:
    for raw in io.TextIOWrapper(handle, encoding="utf-8"):
        if raw.strip():
            yield json.loads(raw)


def _map_users(handle: IO[bytes], cursor: Any) -> tuple[int, int]:
    """Match the archive's users by e-mail (case-insensitive), create the missing ones; record old → new ids."""
    user_model = get_user_model()
    manager = user_model._default_manager
    created = matched = 0
    for row in _jsonl_rows(handle):
        email = str(row["email"]).strip()
        user = manager.filter(email__iexact=email).first()
        if user is None:
            user = user_model(email=email.lower())
            for name in ("full_name", "language", "is_active", "date_joined", "last_login"):
                if row.get(name) is not None:
                    setattr(user, name, row[name])
            if row.get("password"):
                user.password = row["password"]
            else:
                user.set_unusable_password()
            user.full_clean(exclude=["password", "date_joined", "last_login"])
            user.save()
            created += 1
        else:
            matched += 1
        cursor.execute("INSERT INTO _pmo_idmap VALUES (%s, %s, %s)", [USERS, int(row["id"]), user.pk])
    return created, matched


def _map_permissions(handle: IO[bytes], cursor: Any) -> None:
    for row in _jsonl_rows(handle):
        permission = Permission.objects.filter(
            codename=row["codename"], content_type__app_label=row["app_label"], content_type__model=row["model"]
        ).first()
        if permission is None:
            raise ArchiveRefused(
                f"Permission {row['app_label']}.{row['model']}.{row['codename']} does not exist in this installation."
            )
        cursor.execute("INSERT INTO _pmo_idmap VALUES (%s, %s, %s)", [PERMISSIONS, int(row["id"]), permission.pk])


def _stage(handle: IO[bytes], table: str) -> None:
    with _raw_cursor() as cursor:
        cursor.execute("TRUNCATE _pmo_line")
        with cursor.copy(f"COPY _pmo_line (line) FROM STDIN WITH {_COPY_RAW}") as copy:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                copy.write(chunk)
        cursor.execute("INSERT INTO _pmo_stage (tbl, line) SELECT %s, line::jsonb FROM _pmo_line", [table])


def _insert_columns(cursor: Any, table: str) -> list[str]:
    cursor.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() "
        "AND table_name = %s AND is_generated = 'NEVER' ORDER BY ordinal_position",
        [table],
    )
    return [r[0] for r in cursor.fetchall()]


def _insert_table(cursor: Any, spec: TableSpec, org_id: int) -> int:
    """Insert the staged rows of ``spec`` with the new primary key, organisation and foreign keys."""
    joins = [f"JOIN _pmo_idmap m_pk ON m_pk.tbl = %s AND m_pk.old = (s.line->>'{spec.pk}')::bigint"]
    join_params: list[Any] = [spec.table]
    overrides = [f"'{spec.pk}', m_pk.new", f"'organization_id', {org_id}"]
    for i, fk in enumerate(spec.foreign_keys):
        alias = f"m{i}"
        joins.append(
            f"LEFT JOIN _pmo_idmap {alias} ON {alias}.tbl = %s AND {alias}.old = (s.line->>'{fk.column}')::bigint"
        )
        join_params.append(fk.target)
        overrides.append(f"'{fk.column}', {alias}.new")
    for column in spec.file_columns:
        overrides.append(f"'{column}', regexp_replace(s.line->>'{column}', '^org-[0-9]+/', 'org-{org_id}/')")
    for (table, column), (key, target) in JSON_REFERENCES.items():
        if table != spec.table:
            continue
        overrides.append(
            f"'{column}', CASE WHEN jsonb_typeof(s.line->'{column}') = 'array' THEN (SELECT coalesce(jsonb_agg("  # noqa: S608
            f"CASE WHEN e->>'{key}' ~ '^[0-9]+$' THEN e || jsonb_build_object('{key}', (SELECT j.new FROM _pmo_idmap j "
            f"WHERE j.tbl = '{target}' AND j.old = (e->>'{key}')::bigint)) ELSE e END ORDER BY n), '[]'::jsonb) "
            f"FROM jsonb_array_elements(s.line->'{column}') WITH ORDINALITY a(e, n)) ELSE s.line->'{column}' END"
        )
    if spec.has_context:
        joins.append(
            "LEFT JOIN _pmo_idmap m_ctx ON m_ctx.tbl = %s AND m_ctx.old = (CASE WHEN "
            "s.line->'pgh_context'->>'user' ~ '^[0-9]+$' THEN (s.line->'pgh_context'->>'user')::bigint END)"
        )
        join_params.append(USERS)
        overrides.append(
            "'pgh_context', CASE WHEN jsonb_typeof(s.line->'pgh_context') = 'object' THEN "
            f"(s.line->'pgh_context') || jsonb_build_object('organization_id', {org_id}) || "
            "CASE WHEN (s.line->'pgh_context') ? 'user' THEN jsonb_build_object('user', m_ctx.new) "
            "ELSE '{}'::jsonb END "
            "ELSE s.line->'pgh_context' END"
        )
    # A non-null reference that maps to nothing would silently become NULL: refuse instead.
    for fk in spec.foreign_keys:
        if fk.target == USERS and not fk.constrained:
            continue  # history may name a user deleted since: that reference becomes empty
        cursor.execute(
            f"SELECT count(*) FROM _pmo_stage s LEFT JOIN _pmo_idmap m ON m.tbl = %s "  # noqa: S608
            f"AND m.old = (s.line->>'{fk.column}')::bigint WHERE s.tbl = %s AND s.line->>'{fk.column}' IS NOT NULL "
            "AND m.new IS NULL",
            [fk.target, spec.table],
        )
        dangling = cursor.fetchone()[0]
        if dangling:
            raise ArchiveRefused(f"{dangling} row(s) of {spec.table} refer to a missing {fk.target} ({fk.column}).")
    columns = _insert_columns(cursor, spec.table)
    column_list = ", ".join(_qi(c) for c in columns)
    selected = ", ".join(f"r.{_qi(c)}" for c in columns)
    # jsonb_build_object takes at most 100 arguments: chain the overrides in groups.
    groups = [overrides[i : i + 40] for i in range(0, len(overrides), 40)]
    patched = "s.line" + "".join(" || jsonb_build_object(" + ", ".join(g) + ")" for g in groups)
    sql = (
        f"INSERT INTO {_qi(spec.table)} ({column_list}) SELECT {selected} FROM _pmo_stage s "  # noqa: S608
        + " ".join(joins)
        + f", LATERAL jsonb_populate_record(NULL::{_qi(spec.table)}, {patched}) r WHERE s.tbl = %s ORDER BY m_pk.new"
    )
    cursor.execute(sql, [*join_params, spec.table])
    return int(cursor.rowcount)


def _all_trigger_ids() -> str:
    ids: set[str] = set()
    for model, trigger in pgtrigger.registered():
        pgid = trigger.get_pgid(model)
        ids.update({pgid, f"{model._meta.db_table}:{pgid}"})
    return "{" + ",".join(sorted(ids)) + "}"


def suppress_triggers() -> None:
    """Ignore every pgtrigger trigger (pghistory's among them) for the rest of the current transaction."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('pgtrigger.ignore', %s, true)", [_all_trigger_ids()])


def _sequence_of(cursor: Any, table: str, pk: str) -> str:
    cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [_qi(table), pk])
    sequence = cursor.fetchone()[0]
    if not sequence:
        raise ArchiveRefused(f"{table}.{pk} has no sequence to allocate new ids from.")
    return str(sequence)


def organization_import(*, path: Path, slug: str | None = None) -> ImportResult:
    """Restore an archive as a new organisation (``slug``, else the source's) with new ids; all or nothing.

    Raises ``ArchiveRefused`` (nothing changed) for an unreadable, corrupted or incompatible archive or a slug in use.
    """
    manifest = archive_verify(path)
    specs = tenant_table_specs()
    spec_by_table = {spec.table: spec for spec in specs}
    written: list[str] = []
    try:
        with tarfile.open(path, "r:gz") as archive, transaction.atomic():
            source = json.load(_member(archive, "organization.json"))
            new_slug = slug or source["slug"]
            if Organization.objects.filter(slug=new_slug).exists():
                raise ArchiveRefused(
                    f"An organisation with the slug {new_slug!r} exists already; choose another with --slug."
                )
            organization = Organization(slug=new_slug, **{name: source[name] for name in ORGANIZATION_FIELDS})
            organization.full_clean()
            organization.save()
            org_id = int(organization.pk)
            with tenant_context(organization), connection.cursor() as cursor:
                suppress_triggers()
                cursor.execute("DROP TABLE IF EXISTS _pmo_idmap, _pmo_stage, _pmo_line")
                cursor.execute(
                    "CREATE TEMP TABLE _pmo_idmap (tbl text, old bigint, new bigint, PRIMARY KEY (tbl, old)) "
                    "ON COMMIT DROP"
                )
                cursor.execute("CREATE TEMP TABLE _pmo_stage (tbl text, line jsonb) ON COMMIT DROP")
                cursor.execute("CREATE TEMP TABLE _pmo_line (line text) ON COMMIT DROP")
                created, matched = _map_users(_member(archive, "users.jsonl"), cursor)
                _map_permissions(_member(archive, "permissions.jsonl"), cursor)
                for spec in specs:
                    _stage(_member(archive, f"tables/{spec.table}.jsonl"), spec.table)
                cursor.execute("CREATE INDEX ON _pmo_stage (tbl)")
                cursor.execute("ANALYZE _pmo_stage")
                for spec in specs:
                    sequence = _sequence_of(cursor, spec.table, spec.pk)
                    cursor.execute(
                        "INSERT INTO _pmo_idmap SELECT %s, old, nextval(%s) FROM "  # noqa: S608
                        f"(SELECT (line->>'{spec.pk}')::bigint AS old FROM _pmo_stage WHERE tbl = %s ORDER BY 1) o",
                        [spec.table, sequence, spec.table],
                    )
                # History rows may name objects deleted since: give each such id a fresh id of its own table too.
                for spec in specs:
                    for fk in spec.foreign_keys:
                        if fk.constrained or fk.target not in spec_by_table:
                            continue
                        target = spec_by_table[fk.target]
                        cursor.execute(
                            "INSERT INTO _pmo_idmap SELECT %s, old, nextval(%s) FROM (SELECT DISTINCT "  # noqa: S608
                            f"(s.line->>'{fk.column}')::bigint AS old FROM _pmo_stage s WHERE s.tbl = %s "
                            f"AND s.line->>'{fk.column}' IS NOT NULL) o "
                            "WHERE NOT EXISTS (SELECT 1 FROM _pmo_idmap m WHERE m.tbl = %s AND m.old = o.old) "
                            "ORDER BY old",
                            [target.table, _sequence_of(cursor, target.table, target.pk), spec.table, target.table],
                        )
                for (table, column), (key, target_table) in JSON_REFERENCES.items():
                    target = spec_by_table[target_table]
                    cursor.execute(
                        "INSERT INTO _pmo_idmap SELECT %s, old, nextval(%s) FROM "
                        "(SELECT DISTINCT (e->>%s)::bigint AS old "
                        "FROM _pmo_stage s, jsonb_array_elements(CASE WHEN jsonb_typeof(s.line->%s) = 'array' "
                        "THEN s.line->%s ELSE '[]'::jsonb END) e WHERE s.tbl = %s AND e->>%s ~ '^[0-9]+$') o "
                        "WHERE NOT EXISTS (SELECT 1 FROM _pmo_idmap m WHERE m.tbl = %s AND m.old = o.old) ORDER BY old",
                        [
                            target.table,
                            _sequence_of(cursor, target.table, target.pk),
                            key,
                            column,
                            column,
                            table,
                            key,
                            target.table,
                        ],
                    )
                counts = {spec.table: _insert_table(cursor, spec, org_id) for spec in specs}
                for table, expected in (manifest.get("tables") or {}).items():
                    if counts.get(table) != expected.get("rows"):
                        raise ArchiveRefused(
                            f"{table}: {counts.get(table)} rows imported, the manifest says {expected.get('rows')}."
                        )
                for name in sorted(manifest["checksums"]):
                    if not name.startswith("files/"):
                        continue
                    original = name.removeprefix("files/")
                    target_name = _ORG_PREFIX.sub(f"org-{org_id}/", original)
                    if default_storage.exists(target_name):
                        raise ArchiveRefused(f"The file {target_name} exists already.")
                    saved = default_storage.save(target_name, File(_member(archive, name)))
                    written.append(saved)
                    if saved != target_name:
                        raise ArchiveRefused(f"The storage renamed {target_name} to {saved}.")
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")
                cursor.execute("DROP TABLE _pmo_idmap, _pmo_stage, _pmo_line")
    except BaseException:
        for name in written:
            default_storage.delete(name)
        raise
    return ImportResult(
        organization=organization, tables=counts, users_created=created, users_matched=matched, files=len(written)
    )
