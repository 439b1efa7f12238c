"""Export an organisation and import it elsewhere: seed_demo's acme → archive → ``acme-copy``, compared table by table
(ids left out, foreign keys by what they point at), with its files; then the copy's own archive against the first.
Refusals (slug taken, corrupted archive, other schema) change nothing; globex is never touched."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings

from pmo.tenancy.context import tenant_context
from pmo.tenancy.models import Organization
from pmo.tenancy.portability import (
    JSON_REFERENCES,
    PERMISSIONS,
    USERS,
    ArchiveRefused,
    TableSpec,
    organization_export,
    organization_import,
    tenant_table_specs,
)
from projects.documents.models import ProjectDocument
from projects.models import Project

pytestmark = pytest.mark.django_db

SPECS = tenant_table_specs()
SPEC_BY_TABLE = {spec.table: spec for spec in SPECS}


@pytest.fixture(scope="module")
def media_root(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("media")
    with override_settings(MEDIA_ROOT=str(root)):
        yield root


@pytest.fixture(scope="module")
def acme_archive(
    demo_orgs: Any, media_root: Path, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """acme with two uploaded documents (one deleted again, so history names a row that is gone), exported."""
    acme = demo_orgs[0]
    with django_db_blocker.unblock(), tenant_context(acme.organization, user_id=acme.admin.pk):
        project = Project.objects.order_by("pk").first()
        for title in ("Charter", "Draft"):
            document = ProjectDocument(
                organization=acme.organization, project=project, title=title, uploaded_by=acme.admin
            )
            document.file.save(f"{title}.txt", ContentFile(f"{title} of acme, 项目章程".encode()), save=False)
            document.original_name = f"{title}.txt"
            document.save()
        ProjectDocument.objects.get(title="Draft").delete()
        path = tmp_path_factory.mktemp("archives") / "acme.tar.gz"
        organization_export(organization=acme.organization, output=path)
    return path


def _rows(organization: Organization, spec: TableSpec) -> list[dict[str, Any]]:
    with tenant_context(organization), connection.cursor() as cursor:
        cursor.execute(
            f'SELECT row_to_json(t)::text FROM "{spec.table}" t WHERE organization_id = %s ORDER BY "{spec.pk}"',  # noqa: S608
            [organization.pk],
        )
        return [json.loads(row[0]) for row in cursor.fetchall()]


def _snapshot(organization: Organization) -> dict[str, list[dict[str, Any]]]:
    """Every tenant row of ``organization`` with ids replaced by what they mean: a row's rank in its table (in id
    order, which the import keeps), a user's e-mail, a permission's codename; file names without the org folder."""
    tables = {spec.table: _rows(organization, spec) for spec in SPECS}
    ranks = {table: {row[SPEC_BY_TABLE[table].pk]: i for i, row in enumerate(rows)} for table, rows in tables.items()}
    emails = dict(get_user_model()._default_manager.values_list("pk", "email"))
    from django.contrib.auth.models import Permission

    codenames = dict(Permission.objects.values_list("pk", "codename"))
    gone: dict[str, list[int]] = {}
    for spec in SPECS:  # ids of rows deleted since (named by history), ranked among themselves
        for fk in spec.foreign_keys:
            if fk.target in ranks:
                gone.setdefault(fk.target, []).extend(
                    r[fk.column]
                    for r in tables[spec.table]
                    if r[fk.column] is not None and r[fk.column] not in ranks[fk.target]
                )
    gone_rank = {table: {old: i for i, old in enumerate(sorted(set(ids)))} for table, ids in gone.items()}

    def meaning(target: str, value: Any) -> Any:
        if value is None:
            return None
        if target == USERS:
            return emails.get(value, "<deleted user>")
        if target == PERMISSIONS:
            return codenames[value]
        if value in ranks[target]:
            return ("row", ranks[target][value])
        return ("gone", gone_rank[target][value])

    snapshot: dict[str, list[dict[str, Any]]] = {}
    for spec in SPECS:
        normalised = []
        for row in tables[spec.table]:
            row = dict(row)
            row.pop(spec.pk)
            assert row.pop("organization_id") == organization.pk
            for fk in spec.foreign_keys:
                row[fk.column] = meaning(fk.target, row[fk.column])
            for column in spec.file_columns:
                row[column] = row[column].split("/", 1)[1] if row[column] else row[column]
            if spec.has_context and isinstance(row.get("pgh_context"), dict):
                context = dict(row["pgh_context"])
                assert context.pop("organization_id", organization.pk) == organization.pk
                if "user" in context:
                    context["user"] = meaning(USERS, context["user"])
                row["pgh_context"] = context
            for (table, column), (key, target) in JSON_REFERENCES.items():
                if table == spec.table:
                    row[column] = [{**item, key: meaning(target, item.get(key))} for item in row[column]]
            normalised.append(row)
        snapshot[spec.table] = normalised
    return snapshot


def _archive_contents(path: Path) -> dict[str, Any]:
    """The archive's manifest counts, user e-mails and files (by name without the org folder, with a digest)."""
    with tarfile.open(path, "r:gz") as archive:
        manifest = json.load(archive.extractfile("manifest.json"))
        users = sorted(json.loads(line)["email"] for line in archive.extractfile("users.jsonl"))  # type: ignore[union-attr]
        files = {
            member.name.split("/", 2)[2]: hashlib.sha256(archive.extractfile(member).read()).hexdigest()  # type: ignore[union-attr]
            for member in archive.getmembers()
            if member.name.startswith("files/")
        }
    return {"tables": manifest["tables"], "users": users, "files": files, "schema": manifest["schema"]}


def _counts(organization: Organization) -> dict[str, int]:
    counts = {}
    organization_id = organization.pk
    with tenant_context(organization), connection.cursor() as cursor:
        for spec in SPECS:
            # The WHERE matters: RLS also shows the acting user their own memberships in other organisations.
            cursor.execute(f'SELECT count(*) FROM "{spec.table}" WHERE organization_id = %s', [organization_id])  # noqa: S608
            counts[spec.table] = cursor.fetchone()[0]
    return counts


def test_round_trip_copies_every_row_file_and_history(
    demo_orgs: Any, acme_archive: Path, media_root: Path, tmp_path: Path
) -> None:
    acme, globex = demo_orgs
    globex_before = _counts(globex.organization)
    users_before = get_user_model()._default_manager.count()

    result = organization_import(path=acme_archive, slug="acme-copy")
    copy = result.organization

    assert copy.slug == "acme-copy" and copy.name == acme.organization.name and copy.pk != acme.organization.pk
    assert result.users_created == 0 and result.users_matched > 0  # same installation: every user matched by e-mail
    assert get_user_model()._default_manager.count() == users_before
    source, copied = _snapshot(acme.organization), _snapshot(copy)
    assert sum(len(rows) for rows in source.values()) > 1000  # the demo, not an empty shell
    populated = [table for table, rows in source.items() if rows]
    assert len(populated) >= 60, populated
    for table in source:
        assert copied[table] == source[table], table
    # History came across as it was, and importing wrote none of its own.
    labels = sorted(
        e["pgh_label"] for e in source["documents_projectdocumentevent"] if e["title"] in ("Charter", "Draft")
    )
    assert labels == ["delete", "insert", "insert"]
    assert len(copied["documents_projectdocumentevent"]) == len(source["documents_projectdocumentevent"])
    # Files: copied into the new organisation's folder, same bytes; the rows name the new folder.
    with tenant_context(copy):
        document = ProjectDocument.objects.get(title="Charter")
        assert document.file.name.startswith(f"org-{copy.pk}/documents/")
        assert document.file.read().decode() == "Charter of acme, 项目章程"
        # Baselines' frozen milestone ids point at the copy's milestones.
        from projects.models import Baseline, Milestone

        milestone_ids = set(Milestone.objects.values_list("pk", flat=True))
        frozen = {item["milestone"] for b in Baseline.objects.all() for item in b.milestone_dates}
        assert frozen and frozen <= milestone_ids
    assert _counts(globex.organization) == globex_before

    second = tmp_path / "acme-copy.tar.gz"
    organization_export(organization=copy, output=second)
    assert _archive_contents(second) == _archive_contents(acme_archive)


def test_import_refuses_a_slug_in_use_and_changes_nothing(demo_orgs: Any, acme_archive: Path) -> None:
    organizations = Organization.objects.count()
    with pytest.raises(CommandError, match="slug 'globex' exists already"):
        call_command("import_org", str(acme_archive), "--slug", "globex", stdout=io.StringIO())
    assert Organization.objects.count() == organizations


def _rewrite(source: Path, target: Path, change: Any) -> None:
    """Copy the archive, passing each member's bytes through ``change(name, data)``."""
    with tarfile.open(source, "r:gz") as original, tarfile.open(target, "w:gz") as out:
        for member in original.getmembers():
            data = change(member.name, original.extractfile(member).read())  # type: ignore[union-attr]
            member.size = len(data)
            out.addfile(member, io.BytesIO(data))


def test_a_corrupted_archive_is_refused_and_nothing_changes(
    demo_orgs: Any, acme_archive: Path, tmp_path: Path, media_root: Path
) -> None:
    corrupted = tmp_path / "corrupted.tar.gz"
    _rewrite(
        acme_archive,
        corrupted,
        lambda name, data: data.replace(b"Charter", b"Chapter") if name.startswith("files/") else data,
    )
    organizations, users = Organization.objects.count(), get_user_model()._default_manager.count()
    folders = sorted(p.name for p in media_root.iterdir())
    with pytest.raises(ArchiveRefused, match="Checksum mismatch for files/org-"):
        organization_import(path=corrupted, slug="acme-bad")
    assert Organization.objects.count() == organizations
    assert get_user_model()._default_manager.count() == users
    assert not Organization.objects.filter(slug="acme-bad").exists()
    assert sorted(p.name for p in media_root.iterdir()) == folders


def test_an_archive_of_another_schema_is_refused(demo_orgs: Any, acme_archive: Path, tmp_path: Path) -> None:
    def newer_schema(name: str, data: bytes) -> bytes:
        if name != "manifest.json":
            return data
        manifest = json.loads(data)
        manifest["schema"]["projects"] = "9999_from_the_future"
        return json.dumps(manifest).encode()

    other = tmp_path / "newer.tar.gz"
    _rewrite(acme_archive, other, newer_schema)
    with pytest.raises(CommandError, match=r"different schema version.*projects: archive 9999_from_the_future"):
        call_command("import_org", str(other), "--slug", "acme-newer", stdout=io.StringIO())
    assert not Organization.objects.filter(slug="acme-newer").exists()


def test_an_unknown_format_version_is_refused(demo_orgs: Any, acme_archive: Path, tmp_path: Path) -> None:
    def future(name: str, data: bytes) -> bytes:
        return json.dumps({**json.loads(data), "format_version": 99}).encode() if name == "manifest.json" else data

    other = tmp_path / "v99.tar.gz"
    _rewrite(acme_archive, other, future)
    with pytest.raises(ArchiveRefused, match="format version 99"):
        organization_import(path=other, slug="acme-v99")


def test_import_into_an_installation_without_the_users_creates_them(
    demo_orgs: Any, acme_archive: Path, media_root: Path
) -> None:
    """A user missing here is created from the archive with the same password hash, so they can sign in."""
    acme = demo_orgs[0]
    user_model = get_user_model()
    manager = user_model._default_manager
    manager_user = manager.get(email="manager@acme.example")
    old_hash = manager_user.password
    # Simulate another installation for one user: rename the existing account out of the way.
    manager.filter(pk=manager_user.pk).update(email="someone-else@elsewhere.example")

    result = organization_import(path=acme_archive, slug="acme-moved")

    assert result.users_created == 1
    created = manager.get(email="manager@acme.example")
    assert created.pk != manager_user.pk and created.password == old_hash and created.check_password("demo12345")
    with tenant_context(result.organization):
        from pmo.tenancy.models import Membership

        assert Membership.objects.filter(user=created).exists()
        assert not Membership.objects.filter(user_id=manager_user.pk).exists()
    assert acme.organization.slug == "acme"


def test_export_without_password_hashes(demo_orgs: Any, media_root: Path, tmp_path: Path) -> None:
    path = tmp_path / "globex.tar.gz"
    call_command("export_org", "globex", "--output", str(path), "--without-password-hashes", stdout=io.StringIO())
    with tarfile.open(path, "r:gz") as archive:
        users = [json.loads(line) for line in archive.extractfile("users.jsonl")]  # type: ignore[union-attr]
        manifest = json.load(archive.extractfile("manifest.json"))
    assert users and all(user["password"] is None for user in users)
    assert {u["email"] for u in users} >= {"admin@globex.example"}
    assert manifest["password_hashes"] is False and manifest["source"]["slug"] == "globex"
    assert all(
        name.endswith(".jsonl") or name.startswith("files/") or name == "organization.json"
        for name in manifest["checksums"]
    )
