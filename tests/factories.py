"""factory_boy factories. Tenant-owned objects are created inside their organisation's tenant context (RLS
checks every insert), and every related object stays in the same organisation."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from pmo.tenancy.context import tenant_context
from pmo.tenancy.models import Invitation, Membership, Organization
from pmo.tenancy.roles import Role
from portfolio.models import Portfolio
from projects.models import Project

PASSWORD = "test-pass-123"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("email",)

    email = factory.Sequence(lambda n: f"user{n}@example.test")
    full_name = factory.Sequence(lambda n: f"User {n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @classmethod
    def _after_postgeneration(cls, instance: Any, create: bool, results: Any = None) -> None:
        if create:
            instance.save(update_fields=["password"])


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    slug = factory.Sequence(lambda n: f"org{n}")
    name = factory.Sequence(lambda n: f"Organisation {n}")


class TenantFactory(factory.django.DjangoModelFactory):
    """Creates the row as its organisation (RLS WITH CHECK) and keeps related objects in that organisation."""

    class Meta:
        abstract = True

    organization = factory.SubFactory(OrganizationFactory)

    @classmethod
    def _create(cls, model_class: Any, *args: Any, **kwargs: Any) -> Any:
        with tenant_context(kwargs["organization"]):
            return model_class.dangerously_unscoped.create(*args, **kwargs)


class MembershipFactory(TenantFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    role = Role.MEMBER


class PortfolioFactory(TenantFactory):
    class Meta:
        model = Portfolio

    name = factory.Sequence(lambda n: f"Portfolio {n}")


class ProjectFactory(TenantFactory):
    class Meta:
        model = Project

    code = factory.Sequence(lambda n: f"P-{n:04d}")
    name = factory.Sequence(lambda n: f"Project {n}")
    status = Project.Status.ACTIVE
    portfolio = factory.LazyAttribute(lambda o: PortfolioFactory(organization=o.organization))


class InvitationFactory(TenantFactory):
    class Meta:
        model = Invitation

    email = factory.Sequence(lambda n: f"invitee{n}@example.test")
    role = Role.MEMBER
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))
