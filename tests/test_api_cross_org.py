"""The cross-organisation check over every operation of the OpenAPI schema.

Two organisations with one or more of every object (``seed_demo``'s acme and globex, completed by
``complete_demo``) and a read-write token of acme's admin. For every operation with object IDs in its path:

* acme's slug with globex's IDs (read from globex's own lists) answers 404, with an empty body and with bodies and
  query parameters that schemathesis generates from the schema;
* globex's slug with acme's IDs answers 404 (acme's admin is no member of globex);

and an operation under ``orgs/{org_slug}/`` without IDs answers 404 with globex's slug. After every write, a
snapshot of both organisations' rows (every tenant table, the organisation, its members' users and tokens) is
unchanged. An operation that is not checked must be listed in ``NOT_CROSSABLE`` with the reason; the numbers of
operations and calls are printed and written to ``test-artifacts/api/cross-org.txt``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from rest_framework.test import APIClient
from schemathesis import GenerationMode

from pmo.tenancy.context import tenant_context
from projects.models import Project
from tests.api_conformance_support import (
    NOT_OBJECT_PARAMETERS,
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
    write_figures,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _quiet() -> Iterator[None]:
    with quiet_request_log():
        yield


OPERATIONS = operations()
# Operations with neither an organisation nor an object in their path: what they act on is the caller's own.
NOT_CROSSABLE = {
    "POST /api/v1/auth/token/": "exchanges the caller's own password for a token; no organisation, no object",
    "GET /api/v1/orgs/": "lists the caller's own organisations",
    "GET /api/v1/auth/tokens/": "lists the caller's own tokens",
    "POST /api/v1/auth/tokens/": "creates a token for the caller",
}


CROSSABLE = [op for op in OPERATIONS if op.in_organization or op.object_ids]
GENERATED_BODIES = 2
CALLS: Counter[str] = Counter()


@pytest.fixture(scope="module")
def orgs(demo_orgs: tuple[DemoOrg, DemoOrg], django_db_blocker: Any) -> Iterator[dict[str, Any]]:
    """acme (the caller) and globex (the other organisation), each with the path values of every operation read
    from its own lists, and a snapshot of each one's rows."""
    acme, globex = demo_orgs
    with django_db_blocker.unblock(), quiet_request_log():
        paths = {
            org.slug: {op.path: resolver.resolve(op.path) for op in CROSSABLE}
            for org, resolver in ((acme, PathResolver(acme)), (globex, PathResolver(globex)))
        }
        # Each test rolls back what it wrote, so every test starts from these rows.
        rows = {org.slug: snapshot(org.organization) for org in (acme, globex)}
    yield {"acme": acme, "globex": globex, "paths": paths, "rows": rows}
    lines = [
        f"operations in the schema: {len(OPERATIONS)}",
        f"operations checked across organisations: {len({label.split(' | ')[0] for label in CALLS})}",
        f"of which with object IDs: {sum(1 for op in CROSSABLE if op.object_ids)}",
        f"operations not crossable (caller's own, listed with a reason): {len(NOT_CROSSABLE)}",
        f"calls: {sum(CALLS.values())}",
    ]
    path = write_figures("cross-org.txt", lines)
    print("\n" + "\n".join(lines) + f"\n(written to {path})")


def _assert_refused(response: Any, what: str) -> None:
    assert response.status_code == 404, f"{what}: {response.status_code} {response.content[:300]!r}"
    assert response["Content-Type"].startswith("application/json"), f"{what}: {response['Content-Type']}"
    assert set(response.json()) == {"detail"}, f"{what}: {response.json()}"


def _call(client: APIClient, operation: Operation, url: str) -> Any:
    CALLS[f"{operation.label} | {url}"] += 1
    return client.generic(operation.method, url, data=b"{}", content_type="application/json")


@pytest.mark.parametrize("operation", CROSSABLE, ids=[op.label for op in CROSSABLE])
def test_another_organisations_objects_answer_404_and_nothing_changes(
    operation: Operation, orgs: dict[str, Any]
) -> None:
    acme: DemoOrg = orgs["acme"]
    globex: DemoOrg = orgs["globex"]
    client = acme.client()
    samples = sample_values()

    if operation.object_ids:
        theirs = orgs["paths"][globex.slug][operation.path]
        ours = orgs["paths"][acme.slug][operation.path]
        unresolved = [name for name in operation.object_ids if name not in theirs]
        assert not unresolved, (
            f"{operation.label}: globex has no object for {unresolved}; "
            "add one in tests/api_conformance_support.complete_demo (or an ITEM_READERS entry)"
        )
        foreign = {**samples, **theirs}
        if operation.in_organization:
            foreign["org_slug"] = acme.slug
        url = fill_path(operation.path, foreign)
        _assert_refused(_call(client, operation, url), f"{operation.label} as acme with globex's IDs ({url})")

        app = TestWSGIApp()
        headers = {"Authorization": f"Bearer {acme.token}"}

        def generated(case: schemathesis.Case) -> None:
            CALLS[f"{operation.label} | generated"] += 1
            response = case.call(app=app, headers=headers)
            assert response.status_code == 404, (
                f"{operation.label} as acme with globex's IDs and generated input: {response.status_code} "
                f"{response.text[:300]}\nreproduce: {case.as_curl_command(headers=headers)}"
            )

        run_cases(
            operation, path_values=foreign, mode=GenerationMode.POSITIVE, examples=GENERATED_BODIES, check=generated
        )
        if operation.in_organization:
            mine_elsewhere = fill_path(operation.path, {**samples, **ours, "org_slug": globex.slug})
            _assert_refused(_call(client, operation, mine_elsewhere), f"{operation.label} on globex with acme's IDs")
    else:
        url = fill_path(operation.path, {**samples, "org_slug": globex.slug})
        _assert_refused(_call(client, operation, url), f"{operation.label} on globex by acme's admin")

    for org in (acme, globex) if operation.writes else ():
        changed = changed_tables(orgs["rows"][org.slug], snapshot(org.organization))
        assert changed == [], f"{operation.label} changed {org.slug}'s {changed}"


def test_every_operation_is_checked_or_excused() -> None:
    """Every operation of the schema is checked above, or listed in ``NOT_CROSSABLE`` with its reason (and only
    operations that exist and have nothing to cross are listed)."""
    labels = {op.label for op in OPERATIONS}
    crossable = {op.label for op in CROSSABLE}
    assert labels - crossable <= set(NOT_CROSSABLE), (
        f"not checked and not excused: {sorted(labels - crossable - set(NOT_CROSSABLE))}"
    )
    assert not crossable & set(NOT_CROSSABLE), f"excused but checkable: {sorted(crossable & set(NOT_CROSSABLE))}"
    assert set(NOT_CROSSABLE) <= labels, f"excused but gone: {sorted(set(NOT_CROSSABLE) - labels)}"
    used = {name for op in OPERATIONS for name in op.path_parameters}
    assert set(NOT_OBJECT_PARAMETERS) <= used, f"not objects, but gone: {sorted(set(NOT_OBJECT_PARAMETERS) - used)}"
    assert all(reason.strip() for reason in NOT_CROSSABLE.values())
    assert len(crossable) > 200


def test_the_snapshot_sees_a_write_in_another_organisation(orgs: dict[str, Any]) -> None:
    """The check above can fail: a row of globex changed behind the API shows in globex's snapshot only."""
    acme: DemoOrg = orgs["acme"]
    globex: DemoOrg = orgs["globex"]
    with tenant_context(globex.organization):
        project = Project.objects.filter(organization=globex.organization).order_by("pk").first()
        assert project is not None
        Project.objects.filter(pk=project.pk).update(name=f"{project.name} (changed)")
    assert "projects_project" in changed_tables(orgs["rows"][globex.slug], snapshot(globex.organization))
    assert changed_tables(orgs["rows"][acme.slug], snapshot(acme.organization)) == []
