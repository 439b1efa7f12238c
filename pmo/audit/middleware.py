"""Records a permission denial (a 403 answer inside an organisation, web page or API) as a security event."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from pmo.audit.models import SecurityEventKind
from pmo.audit.services import client_of, security_event_record
from pmo.tenancy import context

DENIED = 403


class SecurityEventMiddleware:
    """Put it right inside ``TenantContextResetMiddleware``: it reads the organisation the request resolved
    (``pmo.tenancy.context``) once the view has answered, and writes the event in its own transaction, after the
    request's (which a denial may have rolled back). Only members reach a 403 (non-members get 404), so the event
    always names a member of that organisation."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code == DENIED:
            organization_id = context.current_organization_id()
            user = getattr(request, "user", None)
            if organization_id is not None and user is not None and user.is_authenticated:
                security_event_record(
                    kind=SecurityEventKind.PERMISSION_DENIED,
                    user=user,
                    client=client_of(request),
                    organization_id=organization_id,
                    detail={"method": request.method, "path": request.path[:500]},
                )
        return response
