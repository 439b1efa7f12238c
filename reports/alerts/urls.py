"""Pages of reports.alerts, mounted at ``/o/<org_slug>/``."""

from django.urls import URLPattern, URLResolver

urlpatterns: list[URLPattern | URLResolver] = []
