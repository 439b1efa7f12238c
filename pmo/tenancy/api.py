"""Organisations, members and invitations over the API: ``orgs/`` (mine), ``orgs/<org>/`` (GET, PATCH the
settings), ``members/`` (``?role=&q=``, ``?ordering=name|email|role|joined``; PATCH the role, DELETE) and
``invitations/`` (``?role=&q=&pending=``, ``?ordering=created|email|expires``; create, revoke)."""

from __future__ import annotations

from typing import Any

import django_filters as filters
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from pmo.core.api_filters import BooleanParamFilter, SortKeysMixin
from pmo.core.api_permissions import TokenScope
from pmo.core.listing import SortKey
from pmo.tenancy import services
from pmo.tenancy.api_base import OrganizationAPIView, OrganizationViewSet
from pmo.tenancy.member_list import MEMBER_DEFAULT_SORT, MEMBER_SORTS, members_filtered
from pmo.tenancy.models import Invitation, Membership, Organization
from pmo.tenancy.roles import Capability, Role
from pmo.tenancy.selectors import memberships_of_user


class OrganizationOutput(serializers.ModelSerializer):
    role = serializers.CharField(read_only=True)

    class Meta:
        model = Organization
        fields = ["slug", "name", "pmo_type", "time_zone", "currency", "default_language", "role"]
        read_only_fields = fields


class OrganizationDetailOutput(OrganizationOutput):
    capabilities = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta(OrganizationOutput.Meta):
        fields = [*OrganizationOutput.Meta.fields, "capabilities"]
        read_only_fields = fields


class OrganizationInput(serializers.ModelSerializer):
    class Meta:
        model = Organization
        fields = ["name", "pmo_type", "time_zone", "currency", "default_language"]


def _org_payload(organization: Organization, role: str, capabilities: Any = None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "slug": organization.slug,
        "name": organization.name,
        "pmo_type": organization.pmo_type,
        "time_zone": organization.time_zone,
        "currency": organization.currency,
        "default_language": organization.default_language,
        "role": role,
    }
    if capabilities is not None:
        data["capabilities"] = sorted(str(c) for c in capabilities)
    return data


class MyOrganizationsView(APIView):
    permission_classes = [IsAuthenticated, TokenScope]

    @extend_schema(responses={200: OrganizationOutput(many=True)}, tags=["organisations"])
    def get(self, request: Request) -> Response:
        memberships = memberships_of_user(user=request.user)
        return Response([_org_payload(m.organization, m.role) for m in memberships])


class OrganizationDetailView(OrganizationAPIView):
    capabilities = {"PATCH": Capability.ORG_MANAGE}

    @extend_schema(responses={200: OrganizationDetailOutput}, tags=["organisations"])
    def get(self, request: Request, org_slug: str) -> Response:
        return Response(_org_payload(self.organization, self.access.role, self.access.capabilities))

    @extend_schema(request=OrganizationInput, responses={200: OrganizationDetailOutput}, tags=["organisations"])
    def patch(self, request: Request, org_slug: str) -> Response:
        data = OrganizationInput(self.organization, data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        for field, value in data.validated_data.items():
            setattr(self.organization, field, value)
        self.organization.save(update_fields=list(data.validated_data))
        return Response(_org_payload(self.organization, self.access.role, self.access.capabilities))


class MemberOutput(serializers.ModelSerializer):
    email = serializers.EmailField(source="user.email", read_only=True)
    full_name = serializers.CharField(source="user.full_name", read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "email", "full_name", "role", "created_at"]
        read_only_fields = fields


class MemberInput(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.choices)


class MemberFilterSet(filters.FilterSet):
    """The members page's filters, applied by its own ``members_filtered``."""

    role = filters.ChoiceFilter(choices=Role.choices, method="filter_members")
    q = filters.CharFilter(method="filter_members", max_length=100, help_text="name or e-mail")

    class Meta:
        model = Membership
        fields: list[str] = []

    def filter_members(self, queryset: QuerySet[Membership], name: str, value: str) -> QuerySet[Membership]:
        return members_filtered(queryset, **{"role" if name == "role" else "search": value.strip()})


@extend_schema_view(list=extend_schema(tags=["members"]), retrieve=extend_schema(tags=["members"]))
class MemberViewSet(SortKeysMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, OrganizationViewSet):
    model = Membership
    serializer_class = MemberOutput
    capabilities = {
        "list": Capability.MEMBERS_VIEW,
        "retrieve": Capability.MEMBERS_VIEW,
        "partial_update": Capability.MEMBERS_MANAGE,
        "destroy": Capability.MEMBERS_MANAGE,
    }
    filterset_class = MemberFilterSet
    sort_keys = MEMBER_SORTS
    ordering = [MEMBER_DEFAULT_SORT]

    def restrict_queryset(self, queryset: Any) -> Any:
        return queryset.select_related("user")

    @extend_schema(request=MemberInput, responses={200: MemberOutput}, tags=["members"])
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        membership = self.get_object()
        data = MemberInput(data=request.data)
        data.is_valid(raise_exception=True)
        updated = services.membership_change_role(
            organization=self.organization,
            actor=request.user,
            membership=membership,
            role=data.validated_data["role"],
        )
        updated.user = membership.user
        return Response(MemberOutput(updated).data)

    @extend_schema(responses={204: None, 400: None}, tags=["members"], description="400 for the last administrator.")
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        services.membership_remove(organization=self.organization, actor=request.user, membership=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class InvitationOutput(serializers.ModelSerializer):
    state = serializers.CharField(read_only=True)
    invited_by = serializers.EmailField(source="invited_by.email", read_only=True, default=None)

    class Meta:
        model = Invitation
        fields = [
            "id",
            "email",
            "role",
            "state",
            "invited_by",
            "created_at",
            "expires_at",
            "sent_at",
            "accepted_at",
        ]
        read_only_fields = fields


class InvitationInput(serializers.Serializer):
    email = serializers.EmailField()
    role = serializers.ChoiceField(choices=Role.choices)


class InvitationFilterSet(filters.FilterSet):
    role = filters.ChoiceFilter(choices=Role.choices)
    q = filters.CharFilter(field_name="email", lookup_expr="icontains", max_length=100, help_text="e-mail")
    pending = BooleanParamFilter(method="filter_pending", help_text="neither accepted, revoked nor expired")

    class Meta:
        model = Invitation
        fields: list[str] = []

    def filter_pending(self, queryset: QuerySet[Invitation], name: str, value: bool) -> QuerySet[Invitation]:
        pending = queryset.filter(accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now())
        return pending if value else queryset.exclude(pk__in=pending.values("pk"))


@extend_schema_view(list=extend_schema(tags=["members"]), retrieve=extend_schema(tags=["members"]))
class InvitationViewSet(
    SortKeysMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, OrganizationViewSet
):
    model = Invitation
    serializer_class = InvitationOutput
    capabilities = {"*": Capability.MEMBERS_MANAGE}
    filterset_class = InvitationFilterSet
    sort_keys = {
        "created": SortKey(gettext_lazy("Sent"), ("created_at",)),
        "email": SortKey(gettext_lazy("E-mail"), ("email",)),
        "expires": SortKey(gettext_lazy("Expires"), ("expires_at",)),
    }
    ordering = ["-created"]

    def restrict_queryset(self, queryset: Any) -> Any:
        return queryset.select_related("invited_by")

    @extend_schema(request=InvitationInput, responses={201: InvitationOutput}, tags=["members"])
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = InvitationInput(data=request.data)
        data.is_valid(raise_exception=True)
        invitation = services.invitation_create(
            organization=self.organization, actor=request.user, **data.validated_data
        )
        return Response(InvitationOutput(invitation).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=None,
        responses={200: InvitationOutput, 400: None},
        tags=["members"],
        description="400 for an invitation no longer open (accepted, revoked or expired).",
    )
    @action(detail=True, methods=["post"])
    def revoke(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        invitation = services.invitation_revoke(
            organization=self.organization, actor=request.user, invitation=self.get_object()
        )
        return Response(InvitationOutput(invitation).data)
