"""Pages of reports.notifications, mounted at ``/o/<org_slug>/``."""

from django.urls import URLPattern, URLResolver

urlpatterns: list[URLPattern | URLResolver] = []
