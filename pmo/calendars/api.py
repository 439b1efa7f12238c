"""``/api/v1/orgs/<org>/ical-feed/``: my calendar feed in this organisation.

``GET`` answers the secret address (creating the feed on the first call), ``PATCH`` chooses its projects
(``scope``: ``mine`` or ``all``), ``POST ical-feed/reset/`` draws a new address (the old one answers 404 from then
on). Every member has a feed of their own; nobody reads or resets another's.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from pmo.calendars import services
from pmo.calendars.models import CalendarFeed
from pmo.tenancy.api_base import OrganizationAPIView

TAGS = ["calendar feeds"]


class CalendarFeedOutput(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(help_text="The secret address to subscribe to (an .ics file)")

    class Meta:
        model = CalendarFeed
        fields = ["url", "scope", "created_at", "reset_at", "last_fetched_at"]
        read_only_fields = fields

    def get_url(self, feed: CalendarFeed) -> str:
        return services.calendar_feed_url(feed)


class CalendarFeedInput(serializers.Serializer):
    scope = serializers.ChoiceField(choices=CalendarFeed.Scope.choices)


class CalendarFeedView(OrganizationAPIView):
    @extend_schema(tags=TAGS, responses={200: CalendarFeedOutput}, description="My feed, created on the first call.")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        feed = services.calendar_feed_get_or_create(organization=self.organization, user=request.user)
        return Response(CalendarFeedOutput(feed).data)

    @extend_schema(tags=TAGS, request=CalendarFeedInput, responses={200: CalendarFeedOutput})
    def patch(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = CalendarFeedInput(data=request.data)
        data.is_valid(raise_exception=True)
        feed = services.calendar_feed_set_scope(
            organization=self.organization, user=request.user, scope=data.validated_data["scope"]
        )
        return Response(CalendarFeedOutput(feed).data)


class CalendarFeedResetView(OrganizationAPIView):
    @extend_schema(
        tags=TAGS,
        request=None,
        responses={200: CalendarFeedOutput},
        description="A new secret address; the old one answers 404 from now on.",
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        feed = services.calendar_feed_reset(organization=self.organization, user=request.user)
        return Response(CalendarFeedOutput(feed).data)
