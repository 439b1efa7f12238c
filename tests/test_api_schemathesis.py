"""Schemathesis over every operation of the OpenAPI schema, in-process against the WSGI application.

For each operation, data generated from the schema (valid data, and invalid data where the operation takes a body or
query parameters) is sent with a read-write token of acme's admin, with the path's IDs taken from acme's own objects
(``tests/api_conformance_support.PathResolver``). No response may be a server error, and the status code, the
content type, the headers and the body must be the ones the schema documents. Each operation runs in its own
transaction, rolled back afterwards, on top of ``seed_demo``'s data (seeded once for the module).

Separately, every operation that needs authentication refuses (401) a call without credentials, with an unknown
token, with a revoked and with an expired token; a read-only token is refused (403) on every write, and so is a
browser session without the CSRF token; nothing changes.

The run is bounded (a few examples per operation, derandomised, no shrinking): the numbers of operations and calls
are printed and written to ``test-artifacts/api/schemathesis.txt``.
"""

from __future__ import annotations

import traceback
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
import schemathesis
from django.utils import timezone
from rest_framework.test import APIClient
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from pmo.accounts.models import ApiToken
from pmo.accounts.services import api_token_create
from tests.api_conformance_support import (
    DemoOrg,
    Operation,
    PathResolver,
    TestWSGIApp,
    changed_tables,
    fill_path,
    operations,
    quiet_request_log,
    run_cases,
    sample_values,
    snapshot,
    takes_input,
    write_figures,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _quiet() -> Iterator[None]:
    with quiet_request_log():
        yield


OPERATIONS = operations()
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
POSITIVE_EXAMPLES = 5
NEGATIVE_EXAMPLES = 3
CALLS: Counter[str] = Counter()


@dataclass
class Acme:
    """acme; the path values of every operation, read from its own lists; a revoked and an expired token of its
    admin; a snapshot of its rows (each test rolls back what it wrote, so every test starts from these)."""

    org: DemoOrg
    paths: dict[str, dict[str, Any]]
    revoked: str
    expired: str
    rows: dict[str, tuple[int, str]]


@pytest.fixture(scope="module")
def acme(demo_orgs: tuple[DemoOrg, DemoOrg], django_db_blocker: Any) -> Iterator[Acme]:
    org = demo_orgs[0]
    with django_db_blocker.unblock(), quiet_request_log():
        resolver = PathResolver(org)
        paths = {op.path: resolver.resolve(op.path) for op in OPERATIONS}
        revoked, revoked_raw = api_token_create(user=org.admin, name="revoked")
        expired, expired_raw = api_token_create(user=org.admin, name="expired")
        ApiToken.objects.filter(pk=revoked.pk).update(revoked_at=timezone.now())
        ApiToken.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
        rows = snapshot(org.organization)
    yield Acme(org=org, paths=paths, revoked=revoked_raw, expired=expired_raw, rows=rows)
    fuzzed = {label for label in CALLS if not label.startswith("refusal ")}
    lines = [
        f"operations in the schema: {len(OPERATIONS)}",
        f"operations fuzzed: {len(fuzzed)}",
        f"fuzzing calls: {sum(n for label, n in CALLS.items() if label in fuzzed)}",
        f"refusal calls (no, unknown, revoked, expired, read-only token; session without CSRF): "
        f"{sum(n for label, n in CALLS.items() if label not in fuzzed)}",
    ]
    path = write_figures("schemathesis.txt", lines)
    print("\n" + "\n".join(lines) + f"\n(written to {path})")


def _fuzz(operation: Operation, org: DemoOrg, path_values: dict[str, Any], mode: GenerationMode, examples: int) -> None:
    app = TestWSGIApp()
    headers = {"Authorization": f"Bearer {org.token}"}

    def check(case: schemathesis.Case) -> None:
        app.exceptions.clear()
        response = case.call(app=app, headers=headers)
        CALLS[operation.label] += 1
        if app.exceptions:
            pytest.fail(
                f"{operation.label} raised:\n"
                + "".join(traceback.format_exception(app.exceptions[-1]))
                + f"\nreproduce: {case.as_curl_command(headers=headers)}"
            )
        case.validate_response(response, checks=CHECKS, headers=headers)

    run_cases(operation, path_values=path_values, mode=mode, examples=examples, check=check)


@pytest.mark.parametrize("operation", OPERATIONS, ids=[op.label for op in OPERATIONS])
def test_operation_conforms_to_the_schema(operation: Operation, acme: Acme) -> None:
    paths = acme.paths[operation.path]
    unresolved = [name for name in operation.object_ids if name not in paths]
    assert not unresolved, f"acme has no object for {unresolved}: add one in api_conformance_support.complete_demo"
    _fuzz(operation, acme.org, paths, GenerationMode.POSITIVE, POSITIVE_EXAMPLES)
    if takes_input(operation):
        # Invalid data in the body and the query; the path stays valid (an invalid one misses the route).
        _fuzz(operation, acme.org, {**sample_values(), **paths}, GenerationMode.NEGATIVE, NEGATIVE_EXAMPLES)


AUTHENTICATED = [op for op in OPERATIONS if op.authenticated]


def _refusal(client: Any, operation: Operation, url: str, **extra: Any) -> Any:
    CALLS[f"refusal {operation.label}"] += 1
    return client.generic(operation.method, url, data=b"{}", content_type="application/json", **extra)


@pytest.mark.parametrize("operation", AUTHENTICATED, ids=[op.label for op in AUTHENTICATED])
def test_operation_refuses_calls_without_valid_credentials(operation: Operation, acme: Acme) -> None:
    url = fill_path(operation.path, {**sample_values(), **acme.paths[operation.path]})
    refused = {
        "no credentials": _refusal(APIClient(), operation, url),
        "an unknown token": _refusal(APIClient(), operation, url, HTTP_AUTHORIZATION="Bearer pmo_not-a-token"),
        "a malformed header": _refusal(APIClient(), operation, url, HTTP_AUTHORIZATION="Bearer"),
        "a revoked token": _refusal(APIClient(), operation, url, HTTP_AUTHORIZATION=f"Bearer {acme.revoked}"),
        "an expired token": _refusal(APIClient(), operation, url, HTTP_AUTHORIZATION=f"Bearer {acme.expired}"),
    }
    for what, response in refused.items():
        assert response.status_code == 401, f"{operation.label} with {what}: {response.status_code}"
        assert response["Content-Type"].startswith("application/json")
        assert response.json().keys() == {"detail"}, response.json()
        assert response["WWW-Authenticate"].startswith("Bearer")

    if operation.writes:
        read_only = _refusal(APIClient(), operation, url, HTTP_AUTHORIZATION=f"Bearer {acme.org.read_token}")
        assert read_only.status_code == 403, f"{operation.label} with a read-only token: {read_only.status_code}"
        assert read_only.json().keys() == {"detail"}
        session = APIClient(enforce_csrf_checks=True)
        session.force_login(acme.org.admin)
        without_csrf = _refusal(session, operation, url)
        assert without_csrf.status_code == 403, f"{operation.label} by session without CSRF: {without_csrf.status_code}"
        assert "CSRF" in without_csrf.json()["detail"]
        assert changed_tables(acme.rows, snapshot(acme.org.organization)) == []


def test_every_operation_is_fuzzed_and_every_authenticated_one_refused() -> None:
    """The parametrisations above come from the schema itself: nothing is skipped, and only the token exchange
    and nothing else is open to anonymous callers."""
    assert {op.label for op in OPERATIONS} == {f"{op.method} {op.path}" for op in operations()}
    anonymous = sorted(op.label for op in OPERATIONS if not op.authenticated)
    assert anonymous == ["POST /api/v1/auth/token/"]
