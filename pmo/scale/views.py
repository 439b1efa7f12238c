"""The benchmark's framework floor: an organisation page that does nothing.

``/o/<org_slug>/_bench/floor/`` goes through the same middleware, session, login and organisation resolution
(404 for a non-member or an unknown organisation, the tenant set for RLS) as every organisation page, then answers
two bytes without reading anything else or rendering a template. Its latency is what any organisation page costs
before its own work; ``manage.py bench`` divides every page's latency by it. Mounted only by ``pmo.scale.urls``
(the bench settings' URLconf).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.views import View

from pmo.tenancy.views_base import OrganizationViewMixin


class FrameworkFloorView(OrganizationViewMixin, View):
    http_method_names = ["get"]

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return HttpResponse(b"ok", content_type="text/plain; charset=utf-8")
