"""API-wide pieces: the error format of DESIGN.md and the 409 Conflict error."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, filters, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

Handler = TypeVar("Handler", bound=Callable[..., Any])

# The HTTP methods that write: a view whose every write can conflict sets ``conflict_on = WRITE_METHODS``.
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("The resource changed or exists already.")
    default_code = "conflict"


def may_conflict(handler: Handler) -> Handler:
    """Mark a view method or an ``@action`` that can answer 409 (``Conflict`` or a service's conflict), so that the
    schema documents it (``pmo.core.schema``). A view whose every write can conflict sets the class attribute
    ``conflict_on = WRITE_METHODS`` instead (it may also name viewset actions, e.g. ``{"create"}``)."""
    handler.may_conflict = True  # type: ignore[attr-defined]
    return handler


def _one_detail(data: Any) -> Any:
    """``detail`` is one string: DRF makes a list of a serializer's ``{"detail": …}`` error and of a bare
    ``ValidationError("…")``; both become ``{"detail": "…"}`` (the schema's ``ValidationError``)."""
    if isinstance(data, list) and all(isinstance(message, str) for message in data):
        return {"detail": " ".join(data)}
    if isinstance(data, dict) and isinstance(data.get("detail"), list):
        messages = data["detail"]
        if all(isinstance(message, str) for message in messages):
            return {**data, "detail": " ".join(messages)}
    return data


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, plus Django ``ValidationError`` from services as 400 ``{"field": ["…"]}`` or ``{"detail"}``;
    a 400's ``detail`` is always one string."""
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            data: Any = {field: [str(message) for message in messages] for field, messages in exc.message_dict.items()}
            if list(data) == ["detail"]:
                data = {"detail": " ".join(data["detail"])}
        else:
            data = {"detail": " ".join(str(m) for m in exc.messages)}
        exc = exceptions.ValidationError(data)
    response = drf_exception_handler(exc, context)
    if response is not None and response.status_code == status.HTTP_400_BAD_REQUEST:
        response.data = _one_detail(response.data)
    return response


class Pagination(PageNumberPagination):
    """``?page=N`` and ``?page_size=N`` (at most 500) on every list.

    The body is ``{count, next, previous, results}``."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


class StrictOrderingFilter(filters.OrderingFilter):
    """``?ordering=field,-other`` over the view's ``ordering_fields`` only; an unknown field is a 400 naming it, not
    silently ignored. A view without ``ordering_fields`` is left alone: no ordering here, none in its schema."""

    def filter_queryset(self, request: Any, queryset: Any, view: Any) -> Any:
        if getattr(view, "ordering_fields", None) is None:
            return queryset
        return super().filter_queryset(request, queryset, view)

    def get_valid_fields(
        self, queryset: Any, view: Any, context: Mapping[str, Any] | None = None
    ) -> list[tuple[str, str]]:
        if getattr(view, "ordering_fields", None) is None:
            return []
        return super().get_valid_fields(queryset, view, context or {})

    def remove_invalid_fields(self, queryset: Any, fields: Iterable[str], view: Any, request: Any) -> list[str]:
        valid = {name for name, _label in self.get_valid_fields(queryset, view, {"request": request})}
        fields = list(fields)
        unknown = [term for term in fields if term.lstrip("-") not in valid]
        if unknown:
            raise exceptions.ValidationError(
                {
                    self.ordering_param: [
                        _("Unknown ordering %(fields)s; use one of: %(valid)s.")
                        % {"fields": ", ".join(unknown), "valid": ", ".join(sorted(valid)) or "-"}
                    ]
                }
            )
        return list(fields)

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        if getattr(view, "ordering_fields", None) is None:
            return []
        parameters = super().get_schema_operation_parameters(view)
        names = [name for name in view.ordering_fields if name != "__all__"]
        for parameter in parameters:
            if names:
                described = parameter.get("description", "Ordering")
                parameter["description"] = f"{described}: {', '.join(names)} (prefix - for descending)"
        return parameters
