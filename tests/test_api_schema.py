"""The OpenAPI schema: valid OpenAPI 3, every operation's success and error responses, the security schemes; and
the postprocessing hook of ``pmo.core.schema`` on views made for the purpose (409 and 429 where a view says so)."""

from __future__ import annotations

from io import StringIO
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.management import call_command
from django.test import Client
from django.urls import path
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.utils import extend_schema
from drf_spectacular.validation import validate_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter
from rest_framework.throttling import UserRateThrottle
from rest_framework.views import APIView

from pmo.core.api import WRITE_METHODS, exception_handler, may_conflict
from pmo.core.schema import ERROR_DESCRIPTIONS
from pmo.tenancy.models import Organization
from tests.api_conformance_support import Operation, openapi_schema, operations

ERROR = {"$ref": "#/components/schemas/Error"}
VALIDATION_ERROR = {"$ref": "#/components/schemas/ValidationError"}
OPERATIONS = operations()


def _schema_of(response: dict[str, Any]) -> Any:
    return response.get("content", {}).get("application/json", {}).get("schema")


def test_the_schema_validates_as_openapi_3_without_warnings(tmp_path: Path) -> None:
    target = tmp_path / "schema.yaml"
    errors = StringIO()
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target), stderr=errors)
    assert errors.getvalue() == ""
    written = yaml.safe_load(target.read_text())
    assert written["openapi"].startswith("3.")
    validate_schema(openapi_schema())  # drf-spectacular's check against the OpenAPI 3 JSON schema; raises if not
    assert written["paths"].keys() == openapi_schema()["paths"].keys()


def test_the_served_schema_is_the_one_the_tests_use(db: None) -> None:
    response = Client().get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    assert response.json()["paths"].keys() == openapi_schema()["paths"].keys()


def test_the_security_schemes_describe_tokens_and_the_session() -> None:
    schemes = openapi_schema()["components"]["securitySchemes"]
    assert schemes["bearerAuth"]["type"] == "http"
    assert schemes["bearerAuth"]["scheme"] == "bearer"
    assert "personal access token" in schemes["bearerAuth"]["description"]
    assert "read-only token" in schemes["bearerAuth"]["description"]
    assert schemes["cookieAuth"] == {
        "type": "apiKey",
        "in": "cookie",
        "name": "sessionid",
        "description": schemes["cookieAuth"]["description"],
    }
    assert "X-CSRFToken" in schemes["cookieAuth"]["description"]
    for operation in OPERATIONS:
        if operation.authenticated:
            assert {"bearerAuth": []} in operation.spec["security"], operation.label


def test_the_error_components() -> None:
    components = openapi_schema()["components"]["schemas"]
    assert components["Error"]["required"] == ["detail"]
    assert components["Error"]["properties"]["detail"]["type"] == "string"
    validation = components["ValidationError"]
    assert validation["properties"] == {"detail": {"type": "string"}}
    assert validation["additionalProperties"] == {"$ref": "#/components/schemas/FieldErrors"}
    assert {"type": "array", "items": {"type": "string"}} in components["FieldErrors"]["anyOf"]


@pytest.mark.parametrize("operation", OPERATIONS, ids=[op.label for op in OPERATIONS])
def test_every_operation_documents_its_success_and_its_errors(operation: Operation) -> None:
    responses = operation.spec["responses"]
    successes = {code: response for code, response in responses.items() if code.startswith("2")}
    assert successes, f"{operation.label} documents no success"
    for code, response in successes.items():
        assert code == "204" or "content" in response, f"{operation.label} {code} has no body schema"
        for media_type in response.get("content", {}).values():
            assert "schema" in media_type, f"{operation.label} {code}"

    expected = set()
    if operation.authenticated:
        expected |= {"401", "403"}
    if operation.path_parameters:
        expected.add("404")
    if "requestBody" in operation.spec or any(p["in"] == "query" for p in operation.spec.get("parameters", [])):
        expected.add("400")
    assert expected <= responses.keys(), f"{operation.label} lacks {sorted(expected - responses.keys())}"
    for code in responses.keys() & ERROR_DESCRIPTIONS.keys():
        assert responses[code]["description"], f"{operation.label} {code}"
        assert _schema_of(responses[code]) is not None, f"{operation.label} {code} has no body schema"
        if code in ("401", "403", "404", "429"):
            assert _schema_of(responses[code]) == ERROR, f"{operation.label} {code}"


def test_every_organisation_operation_documents_401_403_and_404() -> None:
    in_organization = [op for op in OPERATIONS if op.in_organization]
    assert len(in_organization) > 200
    for operation in in_organization:
        assert operation.authenticated, operation.label
        assert {"401", "403", "404"} <= operation.spec["responses"].keys(), operation.label


def test_string_path_parameters_carry_their_route_pattern() -> None:
    """So that a client (or schemathesis) never builds a URL that misses the route."""
    for operation in OPERATIONS:
        for parameter in operation.spec.get("parameters", []):
            schema = parameter["schema"]
            if parameter["in"] == "path" and schema.get("type") == "string":
                assert {"pattern", "enum", "format"} & schema.keys(), f"{operation.label} {parameter['name']}"
    in_organization = next(op for op in OPERATIONS if op.in_organization)
    org_slug = next(p for p in in_organization.spec["parameters"] if p["name"] == "org_slug")
    assert org_slug["schema"]["pattern"] == "^[-a-zA-Z0-9_]+$"


# --- The hook on views made for the purpose ---------------------------------------------------------------------


class ThingOutput(serializers.Serializer):
    name = serializers.CharField()


class ThingViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    queryset = Organization.objects.none()
    serializer_class = ThingOutput
    conflict_on = frozenset({"create"})
    throttle_classes: list[type] = []

    @extend_schema(request=None, responses={200: ThingOutput})
    @may_conflict
    @action(detail=True, methods=["post"])
    def approve(self, request: Any, pk: str) -> Response:
        return Response({"name": pk})

    @extend_schema(request=None, responses={200: ThingOutput})
    @action(detail=True, methods=["post"])
    def archive(self, request: Any, pk: str) -> Response:
        return Response({"name": pk})


class GadgetThrottle(UserRateThrottle):
    rate = "5/min"


class GadgetView(APIView):
    conflict_on = WRITE_METHODS
    throttle_classes = [GadgetThrottle]

    @extend_schema(responses={200: ThingOutput})
    def get(self, request: Any) -> Response:
        return Response({"name": "x"})

    @extend_schema(request=ThingOutput, responses={200: ThingOutput})
    def put(self, request: Any) -> Response:
        return Response({"name": "x"})


def _made_up_schema() -> dict[str, Any]:
    router = SimpleRouter()
    router.register("things", ThingViewSet, basename="thing")
    patterns = [path("gadget/", GadgetView.as_view()), *router.urls]
    return SchemaGenerator(patterns=patterns).get_schema(request=None, public=True)


def test_the_hook_documents_409_where_a_view_marks_it_and_429_where_it_throttles() -> None:
    paths = _made_up_schema()["paths"]
    assert "409" in paths["/things/"]["post"]["responses"]  # conflict_on names the action
    assert "409" not in paths["/things/"]["get"]["responses"]
    assert "409" in paths["/things/{id}/approve/"]["post"]["responses"]  # @may_conflict
    assert "409" not in paths["/things/{id}/archive/"]["post"]["responses"]
    assert "409" in paths["/gadget/"]["put"]["responses"]  # conflict_on = WRITE_METHODS
    assert "409" not in paths["/gadget/"]["get"]["responses"]
    assert _schema_of(paths["/gadget/"]["put"]["responses"]["409"]) == ERROR
    assert _schema_of(paths["/gadget/"]["get"]["responses"]["429"]) == ERROR
    assert "429" not in paths["/things/"]["get"]["responses"]


def test_the_hook_documents_400_and_404_by_what_the_operation_takes() -> None:
    paths = _made_up_schema()["paths"]
    assert _schema_of(paths["/things/"]["post"]["responses"]["400"]) == VALIDATION_ERROR  # a body
    assert "400" not in paths["/gadget/"]["get"]["responses"]  # no body, no query
    assert "404" in paths["/things/{id}/archive/"]["post"]["responses"]  # a path parameter
    assert "404" not in paths["/gadget/"]["get"]["responses"]
    assert paths["/things/{id}/archive/"]["post"]["responses"]["404"]["description"] == ERROR_DESCRIPTIONS["404"]


def test_times_are_documented_as_what_a_time_field_sends() -> None:
    """JSON Schema's "time" needs an offset that DRF's TimeField never sends ("18:00:00")."""
    text = str(openapi_schema())
    assert "'format': 'time'" not in text
    assert "'format': 'partial-time'" in text


def test_a_400_detail_is_one_string_and_field_errors_stay_lists() -> None:
    def handled(exc: Exception) -> Any:
        response = exception_handler(exc, {})
        assert response is not None and response.status_code == 400
        return response.data

    assert handled(serializers.ValidationError({"detail": ["Name a kind.", "Or two."]})) == {
        "detail": "Name a kind. Or two."
    }
    assert handled(serializers.ValidationError("Not both.")) == {"detail": "Not both."}
    assert handled(serializers.ValidationError({"name": ["Required."]})) == {"name": ["Required."]}
    assert handled(DjangoValidationError({"detail": ["Closed."]})) == {"detail": "Closed."}
