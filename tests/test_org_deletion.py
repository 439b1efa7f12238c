"""Deleting an organisation: an administrator soft-deletes it (typed slug), it disappears for its members at once
(web, API, tokens, switcher), a platform operator can restore it during the grace period, and the daily purge
removes every row and file of it after the grace period, and nothing of any other organisation."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.contrib.admin.sites import site
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.utils import timezone

from pmo.tenancy import services
from pmo.tenancy.context import tenant_context
from pmo.tenancy.models import Organization
from pmo.tenancy.portability import tenant_table_specs
from pmo.tenancy.roles import Role
from pmo.tenancy.tasks import purge_deleted_organizations
from projects.documents.models import ProjectDocument
from tests.conftest import OrgWorld

pytestmark = pytest.mark.django_db

SPECS = tenant_table_specs()


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _delete(user: Any, world: OrgWorld, confirm: str | None = None) -> Any:
    return _client(user).post(
        f"/o/{world.slug}/settings/delete/", {"confirm_slug": world.slug if confirm is None else confirm}
    )


def _state(world: OrgWorld) -> tuple[Any, Any, bool]:
    organization = Organization.objects.get(pk=world.organization.pk)
    return organization.deleted_at, organization.deleted_by_id, organization.is_active


def _counts(organization_id: int) -> dict[str, int]:
    counts = {}
    with tenant_context(organization_id), connection.cursor() as cursor:
        for spec in SPECS:
            # The WHERE matters: RLS also shows the acting user their own memberships in other organisations.
            cursor.execute(f'SELECT count(*) FROM "{spec.table}" WHERE organization_id = %s', [organization_id])  # noqa: S608
            counts[spec.table] = cursor.fetchone()[0]
    return counts


def test_settings_page_offers_deletion_with_the_grace_period(org_a: OrgWorld, settings: Any) -> None:
    settings.ORG_PURGE_GRACE_DAYS = 14
    response = _client(org_a.users[Role.ADMIN]).get(f"/o/{org_a.slug}/settings/")
    body = response.content.decode()
    assert response.status_code == 200
    assert f'action="/o/{org_a.slug}/settings/delete/"' in body
    assert "kept for 14 days" in body


@pytest.mark.parametrize("role", [r for r in Role if r != Role.ADMIN])
def test_only_an_administrator_may_delete(org_a: OrgWorld, role: Role) -> None:
    response = _delete(org_a.users[role], org_a)
    assert response.status_code == 403
    assert _state(org_a) == (None, None, True)


def test_another_organisations_admin_gets_404_and_nothing_changes(org_a: OrgWorld, org_b: OrgWorld) -> None:
    response = _delete(org_b.users[Role.ADMIN], org_a)
    assert response.status_code == 404
    assert _state(org_a) == (None, None, True)


def test_a_wrong_slug_is_refused(org_a: OrgWorld) -> None:
    response = _delete(org_a.users[Role.ADMIN], org_a, confirm=org_a.slug.upper())
    assert response.status_code == 400
    assert "exactly" in response.content.decode()
    assert _state(org_a) == (None, None, True)


def test_deleted_organisation_disappears_for_its_members_at_once(
    org_a: OrgWorld, org_b: OrgWorld, api_client: Any
) -> None:
    admin = org_a.users[Role.ADMIN]
    token_client = api_client(admin)
    assert token_client.get(f"/api/v1/orgs/{org_a.slug}/projects/").status_code == 200

    response = _delete(admin, org_a)

    assert response.status_code == 302
    deleted_at, deleted_by, active = _state(org_a)
    assert deleted_at is not None and deleted_by == admin.pk and active is False
    for role in Role:
        client = _client(org_a.users[role])
        assert client.get(f"/o/{org_a.slug}/").status_code == 404
        assert client.get(f"/o/{org_a.slug}/settings/").status_code == 404
    assert token_client.get(f"/api/v1/orgs/{org_a.slug}/projects/").status_code == 404
    assert token_client.get(f"/api/v1/orgs/{org_a.slug}/").status_code == 404
    slugs = [item["slug"] for item in token_client.get("/api/v1/orgs/").json()]
    assert org_a.slug not in slugs
    # The other organisation is untouched.
    assert _state(org_b) == (None, None, True)
    assert api_client(org_b.users[Role.ADMIN]).get(f"/api/v1/orgs/{org_b.slug}/projects/").status_code == 200


def test_restore_during_grace_period_brings_it_back(org_a: OrgWorld) -> None:
    admin = org_a.users[Role.ADMIN]
    services.organization_soft_delete(organization=org_a.organization, actor=admin, confirm_slug=org_a.slug)

    call_command("restore_org", org_a.slug, stdout=io.StringIO())

    assert _state(org_a) == (None, None, True)
    assert _client(admin).get(f"/o/{org_a.slug}/settings/").status_code == 200
    with pytest.raises(CommandError, match="not deleted"):
        call_command("restore_org", org_a.slug, stdout=io.StringIO())


def test_admin_action_restores_and_refuses_after_the_grace_period(org_a: OrgWorld, org_b: OrgWorld) -> None:
    for world in (org_a, org_b):
        services.organization_soft_delete(
            organization=world.organization, actor=world.users[Role.ADMIN], confirm_slug=world.slug
        )
    Organization.objects.filter(pk=org_b.organization.pk).update(deleted_at=timezone.now() - timedelta(days=31))
    model_admin = site._registry[Organization]
    request: Any = type("Request", (), {"_messages": None})()
    sent: list[str] = []
    model_admin.message_user = lambda request, message, level=None: sent.append(str(message))  # type: ignore[method-assign,assignment]

    model_admin.restore_organizations(
        request, Organization.objects.filter(pk__in=[org_a.organization.pk, org_b.organization.pk])
    )

    assert _state(org_a) == (None, None, True)
    assert _state(org_b)[2] is False
    assert any("grace period is over" in m for m in sent) and any("1 organisation(s) restored" in m for m in sent)


def test_purge_before_the_grace_period_does_nothing(org_a: OrgWorld, org_b: OrgWorld, settings: Any) -> None:
    settings.ORG_PURGE_GRACE_DAYS = 30
    services.organization_soft_delete(
        organization=org_a.organization, actor=org_a.users[Role.ADMIN], confirm_slug=org_a.slug
    )
    Organization.objects.filter(pk=org_a.organization.pk).update(deleted_at=timezone.now() - timedelta(days=29))
    before = _counts(org_a.organization.pk)

    assert purge_deleted_organizations.apply().get() == []

    assert Organization.objects.filter(pk=org_a.organization.pk).exists()
    assert _counts(org_a.organization.pk) == before
    with pytest.raises(ValidationError):
        services.organization_purge(organization=org_b.organization)  # not deleted: refused


def test_purge_after_the_grace_period_removes_that_organisation_only(
    org_a: OrgWorld, org_b: OrgWorld, settings: Any, tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    settings.ORG_PURGE_GRACE_DAYS = 30
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.ORG_PURGE_EXPORT_DIR = str(tmp_path / "exports")
    files = {}
    for world in (org_a, org_b):
        with tenant_context(world.organization, user_id=world.users[Role.ADMIN].pk):
            document = ProjectDocument(
                organization=world.organization,
                project=world.projects[0],
                title="Charter",
                uploaded_by=world.users[Role.ADMIN],
            )
            document.file.save("charter.txt", ContentFile(b"charter"), save=False)
            document.save()
            files[world.slug] = Path(document.file.path)
    a_id, b_id = org_a.organization.pk, org_b.organization.pk
    a_before, b_before = _counts(a_id), _counts(b_id)
    assert a_before["projects_project"] == 3 and a_before["tenancy_membership"] == len(Role)
    assert a_before["projects_projectuserobjectpermission"] > 0 and a_before["projects_projectevent"] > 0
    services.organization_soft_delete(
        organization=org_a.organization, actor=org_a.users[Role.ADMIN], confirm_slug=org_a.slug
    )
    Organization.objects.filter(pk=a_id).update(deleted_at=timezone.now() - timedelta(days=31))

    with django_capture_on_commit_callbacks(execute=True):
        assert purge_deleted_organizations.apply().get() == [org_a.slug]

    assert not Organization.objects.filter(pk=a_id).exists()
    assert set(_counts(a_id).values()) == {0}, {t: n for t, n in _counts(a_id).items() if n}
    assert _counts(b_id) == b_before
    assert not files[org_a.slug].exists() and files[org_b.slug].exists()
    exports = list((tmp_path / "exports").glob(f"org-{org_a.slug}-{a_id}-*.tar.gz"))
    assert len(exports) == 1
    # The users stay: they are global and may belong to other organisations.
    assert org_a.users[Role.ADMIN].__class__._default_manager.filter(pk=org_a.users[Role.ADMIN].pk).exists()
