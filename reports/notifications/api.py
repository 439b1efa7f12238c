"""Notifications and webhooks in the API, under ``/api/v1/orgs/<org>/``:

- ``notifications/`` — the caller's own notifications (``?unread=true|false&kind=&severity=``,
  ``?ordering=unread|created``), unread first then newest, each with its title and body in the caller's language;
  ``notifications/<id>/``; ``POST notifications/<id>/read/``; ``POST notifications/read-all/``. Another user's
  notification is 404.
- ``notification-preferences/`` — GET every kind with the caller's e-mail delivery (``immediate``, ``digest``,
  ``off``); PATCH ``{"<kind>": "<delivery>", …}`` changes some, PUT must name every kind.
- ``webhooks/`` (WEBHOOKS_MANAGE) — list (``?active=&format=&failing=``, ``?ordering=name|created``), create
  (answers the ``secret``, this once), retrieve, partial_update with ``version`` (409 when stale), delete;
  ``POST webhooks/<id>/rotate-secret/`` (answers the new secret), ``POST webhooks/<id>/test/`` (queues a test
  event, 202), ``GET webhooks/<id>/deliveries/`` (the delivery log, ``?state=&ordering=-created|created``,
  paginated), ``POST webhooks/<id>/deliveries/<delivery_id>/resend/``.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from pmo.core.api_filters import SortKeysMixin
from pmo.core.listing import SortKey, sort_ordering
from pmo.tenancy.api_base import OrganizationAPIView, OrganizationViewSet
from pmo.tenancy.roles import Capability
from projects.api import ProjectsAPIMixin
from reports.models import Delivery, Notification, NotificationKind, Webhook, WebhookDelivery
from reports.notifications import selectors, services
from reports.notifications.filters import NotificationFilterSet, WebhookFilterSet
from reports.notifications.messages import message_for

# --- Notifications ------------------------------------------------------------------------------------------------


class NotificationOutput(serializers.ModelSerializer):
    title = serializers.SerializerMethodField()
    body = serializers.SerializerMethodField()
    unread = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "kind", "severity", "title", "body", "url", "params", "created_at", "read_at", "unread"]
        read_only_fields = fields

    def get_title(self, notification: Notification) -> str:
        return message_for(notification).title

    def get_body(self, notification: Notification) -> str:
        return message_for(notification).body

    def get_unread(self, notification: Notification) -> bool:
        return notification.read_at is None


class ReadAllInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=NotificationKind.choices, required=False, help_text="only this kind")


class ReadAllOutput(serializers.Serializer):
    marked = serializers.IntegerField()


@extend_schema_view(
    list=extend_schema(tags=["notifications"]),
    retrieve=extend_schema(tags=["notifications"]),
)
class NotificationViewSet(SortKeysMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, OrganizationViewSet):
    """The caller's own notifications in the organisation."""

    model = Notification
    serializer_class = NotificationOutput
    filterset_class = NotificationFilterSet
    sort_keys = {
        "unread": SortKey(gettext_lazy("Unread first"), ("unread", "-created_at")),
        "created": SortKey(gettext_lazy("Received"), ("created_at",)),
    }
    ordering = ["-unread"]

    def restrict_queryset(self, queryset: Any) -> Any:
        return selectors.inbox_of(organization=self.organization, user=self.request.user, queryset=queryset)

    @extend_schema(request=None, responses={200: NotificationOutput}, tags=["notifications"])
    @action(detail=True, methods=["post"])
    def read(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Mark the notification read (already read: unchanged)."""
        notification = services.notification_mark_read(
            organization=self.organization, actor=request.user, notification=self.get_object()
        )
        return Response(NotificationOutput(notification).data)

    @extend_schema(request=ReadAllInput, responses={200: ReadAllOutput}, tags=["notifications"])
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Mark all the caller's unread notifications read (of one ``kind`` if given); answers how many."""
        data = ReadAllInput(data=request.data)
        data.is_valid(raise_exception=True)
        marked = services.notifications_mark_all_read(
            organization=self.organization, actor=request.user, kind=data.validated_data.get("kind", "")
        )
        return Response({"marked": marked})


class PreferenceOutput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=NotificationKind.choices)
    name = serializers.CharField()
    delivery = serializers.ChoiceField(choices=Delivery.choices)


class PreferencesInput(serializers.Serializer):
    """``{"<kind>": "<delivery>", …}``: one optional field per kind."""

    def __init__(self, *args: Any, require_all: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for kind, label in NotificationKind.choices:
            self.fields[kind] = serializers.ChoiceField(choices=Delivery.choices, required=require_all, help_text=label)

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        unknown = sorted(set(self.initial_data) - set(self.fields)) if isinstance(self.initial_data, dict) else []
        if unknown:
            raise serializers.ValidationError({key: [_("Unknown kind of notification.")] for key in unknown})
        if not data:
            raise serializers.ValidationError({"detail": _("Name at least one kind to change.")})
        return data


class NotificationPreferencesView(OrganizationAPIView):
    def _answer(self, deliveries: dict[str, str]) -> Response:
        labels = dict(NotificationKind.choices)
        rows = [{"kind": kind, "name": labels[kind], "delivery": value} for kind, value in deliveries.items()]
        return Response(PreferenceOutput(rows, many=True).data)

    @extend_schema(responses={200: PreferenceOutput(many=True)}, tags=["notifications"])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Every kind with how the caller gets it by e-mail (the inbox always keeps it)."""
        return self._answer(selectors.notification_preferences_of(organization=self.organization, user=request.user))

    def _change(self, request: Request, *, require_all: bool) -> Response:
        data = PreferencesInput(data=request.data, require_all=require_all)
        data.is_valid(raise_exception=True)
        return self._answer(
            services.notification_preferences_set(
                organization=self.organization, actor=request.user, deliveries=data.validated_data
            )
        )

    @extend_schema(request=PreferencesInput, responses={200: PreferenceOutput(many=True)}, tags=["notifications"])
    def patch(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Change the delivery of the kinds named."""
        return self._change(request, require_all=False)

    @extend_schema(request=PreferencesInput, responses={200: PreferenceOutput(many=True)}, tags=["notifications"])
    def put(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Set the delivery of every kind."""
        return self._change(request, require_all=True)


# --- Webhooks -----------------------------------------------------------------------------------------------------


class WebhookOutput(serializers.ModelSerializer):
    class Meta:
        model = Webhook
        fields = [
            "id",
            "name",
            "url",
            "format",
            "kinds",
            "active",
            "created_at",
            "last_success_at",
            "last_failure_at",
            "consecutive_failures",
            "version",
        ]
        read_only_fields = fields


class WebhookWithSecretOutput(WebhookOutput):
    secret = serializers.SerializerMethodField(help_text="shown only in this answer")

    class Meta(WebhookOutput.Meta):
        fields = [*WebhookOutput.Meta.fields, "secret"]
        read_only_fields = fields

    def get_secret(self, webhook: Webhook) -> str:
        return str(self.context["secret"])


class WebhookInput(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    url = serializers.CharField(max_length=500, help_text="http:// or https:// only")
    format = serializers.ChoiceField(choices=Webhook.Format.choices, required=False, default=Webhook.Format.GENERIC)
    kinds = serializers.ListField(
        child=serializers.ChoiceField(choices=NotificationKind.choices),
        required=False,
        default=list,
        help_text="empty: every kind",
    )
    active = serializers.BooleanField(required=False, default=True)


class WebhookUpdateInput(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False)
    url = serializers.CharField(max_length=500, required=False)
    format = serializers.ChoiceField(choices=Webhook.Format.choices, required=False)
    kinds = serializers.ListField(child=serializers.ChoiceField(choices=NotificationKind.choices), required=False)
    active = serializers.BooleanField(required=False)
    version = serializers.IntegerField(required=False, min_value=1, help_text="the version you read (409 if stale)")


class WebhookDeliveryOutput(serializers.ModelSerializer):
    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "event",
            "event_id",
            "state",
            "attempts",
            "next_attempt_at",
            "last_status_code",
            "last_error",
            "duration_ms",
            "created_at",
            "delivered_at",
            "payload",
        ]
        read_only_fields = fields


DELIVERY_SORTS = {"created": SortKey(gettext_lazy("Created"), ("created_at",))}


class DeliveryQuery(serializers.Serializer):
    state = serializers.ChoiceField(choices=WebhookDelivery.State.choices, required=False)
    ordering = serializers.ChoiceField(choices=["-created", "created"], required=False, default="-created")


@extend_schema_view(list=extend_schema(tags=["webhooks"]), retrieve=extend_schema(tags=["webhooks"]))
class WebhookViewSet(
    SortKeysMixin, ProjectsAPIMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, OrganizationViewSet
):
    """The organisation's outgoing webhooks (admin and PMO)."""

    model = Webhook
    serializer_class = WebhookOutput
    capabilities = {"*": Capability.WEBHOOKS_MANAGE}
    filterset_class = WebhookFilterSet
    sort_keys = {
        "name": SortKey(gettext_lazy("Name"), ("name",)),
        "created": SortKey(gettext_lazy("Created"), ("created_at",)),
    }
    ordering = ["name"]

    def _secret_answer(self, webhook: Webhook, secret: str, code: int = status.HTTP_200_OK) -> Response:
        return Response(WebhookWithSecretOutput(webhook, context={"secret": secret}).data, status=code)

    @extend_schema(request=WebhookInput, responses={201: WebhookWithSecretOutput}, tags=["webhooks"])
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Add a webhook; the answer carries its signing secret, which is never shown again."""
        data = WebhookInput(data=request.data)
        data.is_valid(raise_exception=True)
        webhook, secret = services.webhook_create(
            organization=self.organization, actor=request.user, **data.validated_data
        )
        return self._secret_answer(webhook, secret, status.HTTP_201_CREATED)

    @extend_schema(request=WebhookUpdateInput, responses={200: WebhookOutput}, tags=["webhooks"])
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        webhook = self.get_object()
        data = WebhookUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        if not set(values) - {"version"}:
            raise exceptions.ValidationError({"detail": _("Send at least one field to change.")})
        version = values.pop("version", None)
        webhook = services.webhook_update(
            organization=self.organization, actor=request.user, webhook=webhook, version=version, **values
        )
        return Response(WebhookOutput(webhook).data)

    @extend_schema(responses={204: None}, tags=["webhooks"])
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        services.webhook_delete(organization=self.organization, actor=request.user, webhook=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses={200: WebhookWithSecretOutput}, tags=["webhooks"])
    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Replace the signing secret; the answer carries the new one, which is never shown again."""
        webhook, secret = services.webhook_rotate_secret(
            organization=self.organization, actor=request.user, webhook=self.get_object()
        )
        return self._secret_answer(webhook, secret)

    @extend_schema(
        request=None,
        responses={202: OpenApiResponse(WebhookDeliveryOutput, description="queued: the delivery to follow")},
        tags=["webhooks"],
    )
    @action(detail=True, methods=["post"])
    def test(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Queue a test event (``webhook.test``) to this webhook; answers its delivery."""
        delivery = services.webhook_send_test(
            organization=self.organization, actor=request.user, webhook=self.get_object()
        )
        return Response(WebhookDeliveryOutput(delivery).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        parameters=[DeliveryQuery], responses={200: WebhookDeliveryOutput(many=True)}, tags=["webhooks"], filters=False
    )
    @action(detail=True, methods=["get"], filter_backends=[])
    def deliveries(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """The delivery log, newest first (paginated)."""
        webhook = self.get_object()
        query = DeliveryQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        rows = selectors.deliveries_of_webhook(
            organization=self.organization, webhook=webhook, state=query.validated_data.get("state", "")
        ).order_by(*sort_ordering(query.validated_data["ordering"], DELIVERY_SORTS, default="-created"))
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(WebhookDeliveryOutput(page, many=True).data)

    @extend_schema(
        request=None,
        responses={202: OpenApiResponse(WebhookDeliveryOutput, description="queued again: the delivery to follow")},
        tags=["webhooks"],
    )
    @action(detail=True, methods=["post"], url_path=r"deliveries/(?P<delivery_pk>\d+)/resend")
    def resend(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Send a failed or waiting delivery again now (a delivered one: 409)."""
        webhook = self.get_object()
        delivery = selectors.delivery_get(
            organization=self.organization, webhook=webhook, pk=int(kwargs["delivery_pk"])
        )
        delivery = services.webhook_delivery_resend(
            organization=self.organization, actor=request.user, delivery=delivery
        )
        return Response(WebhookDeliveryOutput(delivery).data, status=status.HTTP_202_ACCEPTED)
