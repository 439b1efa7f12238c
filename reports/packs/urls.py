"""Pages of reports.packs, mounted at ``/o/<org_slug>/``."""

from django.urls import URLPattern, URLResolver

urlpatterns: list[URLPattern | URLResolver] = []
