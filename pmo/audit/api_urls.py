"""The audit trail's API under ``/api/v1/orgs/<org_slug>/`` (URL names start with ``api-``)."""

from django.urls import path

from pmo.audit import api

urlpatterns = [
    path("audit/", api.AuditTrailView.as_view(), name="api-audit"),
    path("security-events/", api.SecurityEventListView.as_view(), name="api-security-events"),
]
