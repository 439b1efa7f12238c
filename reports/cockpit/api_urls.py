"""API of reports.cockpit under ``/api/v1/orgs/<org_slug>/`` (URL names start with ``api-``)."""

from django.urls import path

from reports.cockpit import api

urlpatterns = [
    path("cockpit/", api.CockpitView.as_view(), name="api-cockpit"),
    path("cockpit/remind/", api.CockpitRemindView.as_view(), name="api-cockpit-remind"),
    path("cockpit/quality/", api.CockpitQualityView.as_view(), name="api-cockpit-quality"),
    path("cockpit/queue/", api.CockpitQueueView.as_view(), name="api-cockpit-queue"),
]
