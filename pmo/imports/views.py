"""Placeholder: the import page is being built (issue 8)."""

from django.http import HttpRequest, HttpResponse


def import_home(request: HttpRequest, org_slug: str) -> HttpResponse:
    return HttpResponse(status=404)
