"""Object permissions (django-guardian) in direct foreign-key tables that carry ``organization_id``.

Guardian's generic tables key objects by content type and a text id and cannot hold the tenant column, so every
object-permission table here is a direct foreign-key table: ``<Model>UserObjectPermission`` with ``content_object``
pointing at the model and ``organization`` from ``TenantModel`` (RLS-protected like every tenant table).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from guardian.models import UserObjectPermissionBase

from pmo.tenancy.models import Organization, TenantModel


class TenantUserObjectPermission(TenantModel, UserObjectPermissionBase):  # type: ignore[misc]  # our manager wins
    """Abstract: subclasses add ``content_object = models.ForeignKey(<Model>, on_delete=models.CASCADE)``."""

    class Meta:
        abstract = True
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "user", "permission", "content_object"],
                name="%(app_label)s_%(class)s_unique",
            ),
        ]


def object_permission_model(obj: models.Model) -> type[TenantUserObjectPermission]:
    for relation in obj._meta.related_objects:
        related = relation.related_model
        if isinstance(related, type) and issubclass(related, TenantUserObjectPermission):
            return related
    raise LookupError(f"{type(obj).__name__} has no direct object-permission table")


def object_permissions_grant(
    *, organization: Organization, obj: TenantModel, user: Any, codenames: Iterable[str]
) -> None:
    """Grant ``user`` the given permissions on ``obj`` (idempotent). The object must belong to ``organization``."""
    object_permissions_grant_many(organization=organization, grants=[(obj, user)], codenames=codenames)


@transaction.atomic
def object_permissions_grant_many(
    *, organization: Organization, grants: Iterable[tuple[TenantModel, Any]], codenames: Iterable[str]
) -> None:
    """Grant each ``(object, user)`` pair the given permissions (idempotent), in two statements per object type
    whatever the number of pairs: one to read the permissions, one INSERT. Every object must belong to
    ``organization``."""
    pairs = list(grants)
    if any(obj.organization_id != organization.pk for obj, _user in pairs):
        raise ValueError("object of another organisation")
    codenames = list(codenames)
    by_type: dict[type[models.Model], list[tuple[TenantModel, Any]]] = {}
    for obj, user in pairs:
        by_type.setdefault(type(obj), []).append((obj, user))
    for object_type, typed_pairs in by_type.items():
        model = object_permission_model(typed_pairs[0][0])
        content_type = ContentType.objects.get_for_model(object_type)
        permissions = list(Permission.objects.filter(content_type=content_type, codename__in=codenames))
        model.objects.bulk_create(
            [
                cast(Any, model)(organization=organization, user=user, permission=p, content_object=obj)
                for obj, user in typed_pairs
                for p in permissions
            ],
            ignore_conflicts=True,
        )


@transaction.atomic
def object_permissions_revoke(
    *, organization: Organization, obj: TenantModel, user: Any, codenames: Iterable[str]
) -> None:
    model = object_permission_model(obj)
    model.objects.filter(
        organization=organization, user=user, content_object=obj, permission__codename__in=list(codenames)
    ).delete()
