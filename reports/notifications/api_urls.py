"""API of reports.notifications under ``/api/v1/orgs/<org_slug>/`` (URL names start with ``api-``)."""

from django.urls import URLPattern, URLResolver, path
from rest_framework.routers import SimpleRouter

from reports.notifications import api

router = SimpleRouter(trailing_slash=True)
router.register("notifications", api.NotificationViewSet, basename="api-notification")
router.register("webhooks", api.WebhookViewSet, basename="api-webhook")

urlpatterns: list[URLPattern | URLResolver] = [
    path(
        "notification-preferences/",
        api.NotificationPreferencesView.as_view(),
        name="api-notification-preferences",
    ),
    *router.urls,
]
