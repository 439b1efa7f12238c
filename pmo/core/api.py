"""API-wide pieces: the error format of DESIGN.md and the 409 Conflict error."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("The resource changed or exists already.")
    default_code = "conflict"


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, plus Django ``ValidationError`` from services as 400 ``{"field": ["…"]}`` or ``{"detail"}``."""
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            data: Any = {field: [str(message) for message in messages] for field, messages in exc.message_dict.items()}
            if list(data) == ["detail"]:
                data = {"detail": " ".join(data["detail"])}
        else:
            data = {"detail": " ".join(str(m) for m in exc.messages)}
        exc = exceptions.ValidationError(data)
    return drf_exception_handler(exc, context)
