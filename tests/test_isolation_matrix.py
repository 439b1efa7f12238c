"""Tenant isolation and access, proven over every route of the URL configuration and every operation of the API.

Two organisations of ``seed_demo`` (acme, the caller's, and globex, the other one), with a user of every role in
each. For every web route under ``/o/<org_slug>/`` (from the URL resolver) and every API operation (from the OpenAPI
schema), every method the view allows and every role:

* **across organisations**: acme's member with acme's slug and globex's object IDs answers 404, and with globex's
  slug (any IDs) answers 404; after the writes, both organisations' rows are unchanged. This runs twice: as
  configured, and with the ORM's tenant filter turned off (``TENANCY_ORM_SCOPING = False``), where PostgreSQL's
  Row-Level Security alone must stop every leak;
* **inside the organisation**: the capability the view asks for (``capability`` of a page,
  ``required_capability()`` of an API view) is read from the view; a role without it gets 403 for every method and
  nothing changes; a role with it gets no 403 (nor 404) on a GET, but where the view's own object-level rule is listed
  in ``OBJECT_RULES`` for a role without the organisation-wide capability that rule names.

Routes that cannot be crossed (no organisation in them) are listed in ``NOT_CROSSABLE`` with the reason; a new route
that is neither covered nor listed fails ``test_every_route_is_covered_or_excused``. The figures are printed and
written to ``test-artifacts/isolation/matrix.txt``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.db import connection

from pmo.tenancy.context import tenant_context
from pmo.tenancy.models import orm_scoping_enabled
from pmo.tenancy.roles import Capability, role_can
from projects.models import Project
from tests.api_conformance_support import (
    DemoOrg,
    Operation,
    PathResolver,
    changed_tables,
    fill_path,
    quiet_request_log,
    sample_values,
    unthrottled,
)
from tests.isolation_support import (
    PER_ORGANISATION_NUMBERS,
    ROLES,
    Actor,
    OrgObjects,
    Route,
    actors,
    all_routes,
    api_capability,
    api_operations,
    api_route_of,
    complete_for_web,
    fingerprint,
    object_keys,
    org_objects,
    web_capability,
    web_methods,
    web_routes,
    web_url,
    web_values,
)

pytestmark = pytest.mark.django_db

ARTIFACTS = Path(django_settings.BASE_DIR) / "test-artifacts" / "isolation"

# Routes outside any organisation: what they act on is the caller's own, public, or the platform's. A key ending in
# "/" covers the routes under it (an include of its own); any other key is one exact route.
NOT_CROSSABLE: dict[str, str] = {
    "healthz": "liveness probe: no organisation, no data",
    "readyz": "readiness probe: no organisation, no data",
    "": "the home page sends the user to one of their own organisations",
    "accounts/": "the caller's own account pages (login, logout, password, profile, tokens)",
    "invitations/<str:token>/": "an invitation is named by its signed token, not an ID; accepting it is the way in",
    "feeds/<str:token>.ics": "a calendar feed is named by a per-user secret token (tests/test_calendar_feeds.py)",
    "api/schema/": "the OpenAPI schema: the same for everyone",
    "api/docs/": "the API's documentation page: the same for everyone",
    "platform-admin/": "Django's admin for platform staff (is_staff), outside the tenancy",
    "api/v1/auth/": "the caller's own token exchange and tokens",
    "api/v1/orgs/": "the list of the caller's own organisations",
}

WEB = web_routes()
OPERATIONS = [op for op in api_operations() if op.in_organization]
OTHER_OPERATIONS = {op.label for op in api_operations() if not op.in_organization}
# Routes of the resolver that serve an operation of the schema under another path: checked with it.
API_ALIASES: dict[str, str] = {
    "GET /api/v1/orgs/{org_slug}/reports/{id}/pdf/": "/api/v1/orgs/{org_slug}/reports/{id}/pdf",
}
MODES = ["orm+rls", "rls-only"]

# Capabilities a page asks for one method inside the view, before it reads any object (so the answer is the same
# for every ID): the roles without it get 403 for that method.
METHOD_CAPABILITIES: dict[str, dict[str, Capability]] = {
    "projects/{pk}/dependencies/": {"POST": Capability.DEPENDENCIES_MANAGE},
    "resources/people/{pk}/{verb}/": {"POST": Capability.RESOURCES_MANAGE},
}
# Action pages whose GET only sends back to a list, reading no object: 302 for any ID.
GET_REDIRECTS: dict[str, str] = {
    "alerts/rules/{pk}/{verb}/": "GET sends back to the rules list; the verbs are POSTs",
}
CALLS: Counter[str] = Counter()
EXCUSED: dict[str, str] = {}
HIDDEN: Counter[str] = Counter()  # GETs under a project the role may not read (404 asserted)


@dataclass
class World:
    acme: DemoOrg
    globex: DemoOrg
    objects: dict[str, OrgObjects]
    api_paths: dict[str, dict[str, dict[str, Any]]]
    actors: dict[str, dict[str, Actor]]
    rows: dict[str, dict[str, tuple[int, int]]]
    visible: dict[str, set[int]]  # acme's projects each role may read (object permissions, or all of them)

    def unchanged(self, what: str) -> None:
        for org in (self.acme, self.globex):
            now = fingerprint(org.organization)
            changed = [t for t in changed_tables(self.rows[org.slug], now) if t not in LOGGED]
            assert changed == [], f"{what} changed {org.slug}'s {changed}"


@pytest.fixture(scope="module")
def world(demo_orgs: tuple[DemoOrg, DemoOrg], django_db_blocker: Any) -> Iterator[World]:
    acme, globex = demo_orgs
    with django_db_blocker.unblock(), quiet_request_log():
        for org in (acme, globex):
            complete_for_web(org.organization, org.admin)
        objects = {org.slug: org_objects(org.organization) for org in (acme, globex)}
        api_paths = {}
        for org in (acme, globex):
            resolver = PathResolver(org)
            api_paths[org.slug] = {op.path: resolver.resolve(op.path) for op in OPERATIONS}
        people = {org.slug: actors(org.organization) for org in (acme, globex)}
        rows = {org.slug: fingerprint(org.organization) for org in (acme, globex)}
        visible = _visible_projects(acme.organization)
    with unthrottled():
        yield World(
            acme=acme, globex=globex, objects=objects, api_paths=api_paths, actors=people, rows=rows, visible=visible
        )
    _write_figures()


def _visible_projects(organization: Any) -> dict[str, set[int]]:
    from pmo.tenancy.access import OrgAccess
    from pmo.tenancy.models import Membership
    from projects.selectors import projects_visible_to

    with tenant_context(organization):
        found = {}
        for membership in Membership.objects.filter(user__email__endswith=f"@{organization.slug}.example"):
            access = OrgAccess(organization=organization, membership=membership)
            found[membership.role] = set(projects_visible_to(access=access).values_list("pk", flat=True))
    assert set(found) == set(ROLES)
    return found


@pytest.fixture(params=MODES)
def mode(request: pytest.FixtureRequest, settings: Any) -> str:
    settings.TENANCY_ORM_SCOPING = request.param == "orm+rls"
    assert orm_scoping_enabled() is (request.param == "orm+rls")
    return str(request.param)


@pytest.fixture(autouse=True)
def _quiet() -> Iterator[None]:
    with quiet_request_log():
        yield


def _call(client: Any, method: str, url: str, kind: str, *, api: bool) -> Any:
    CALLS[kind] += 1
    if api:
        return client.generic(method, url, data=b"{}", content_type="application/json")
    if method == "GET":
        return client.get(url)
    return client.generic(method, url, data=b"", content_type="application/x-www-form-urlencoded")


def _refusals(url: str, own_slug: str, role: str, capability: Capability | None) -> tuple[int, ...]:
    """Another organisation's slug: 404 (not a member). Our slug with another organisation's IDs: 404, or 403 where
    the role lacks the view's capability: the gate answers before any ID is read, alike for every ID, so the answer
    tells nothing about the other organisation's object."""
    ours = f"/o/{own_slug}/" in url or f"/orgs/{own_slug}/" in url
    if ours and capability is not None and not role_can(role, capability):
        return (403, 404)
    return (404,)


def _status(response: Any) -> str:
    return f"{response.status_code} {response.content[:200]!r}"


# --- Across organisations ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("route", WEB, ids=[route.key for route in WEB])
def test_web_route_refuses_another_organisation(route: Route, world: World, mode: str) -> None:
    acme, globex = world.objects["acme"], world.objects["globex"]
    methods = web_methods(route)
    foreign = web_values(route, globex)
    ours = web_values(route, acme)
    keys = object_keys(route)
    crossing = bool(keys)
    # Caller's organisation, the other one: acme's users, but for numbers only the other has (see below).
    caller, other_objects, own_values = "acme", foreign, ours
    for key in set(keys) & PER_ORGANISATION_NUMBERS:
        # A number of globex's that acme also has names acme's own object: cross with one that acme does not have,
        # or, where acme has them all, the other way round (globex's users, an acme number that globex lacks).
        theirs_only = globex.values[f"{key} (all)"] - acme.values[f"{key} (all)"]
        ours_only = acme.values[f"{key} (all)"] - globex.values[f"{key} (all)"]
        if theirs_only:
            foreign[key] = min(theirs_only)
        elif ours_only:
            caller, other_objects, own_values = "globex", {**ours, key: min(ours_only)}, foreign
        else:
            crossing = False
            EXCUSED[route.key] = "numbered per organisation; both have the same numbers"
    other = "globex" if caller == "acme" else "acme"
    capability = web_capability(route)
    failures = []
    for role in ROLES:
        client = world.actors[caller][role].web
        for method in methods:
            urls = [web_url(route, other, own_values)] if mode == "orm+rls" else []
            if crossing:
                urls.append(web_url(route, caller, other_objects))
            for url in urls:
                response = _call(client, method, url, f"web cross {mode}", api=False)
                needs = METHOD_CAPABILITIES.get(route.key, {}).get(method, capability)
                allowed = _refusals(url, caller, role, needs)
                if method == "GET" and route.key in GET_REDIRECTS and f"/o/{caller}/" in url:
                    allowed = (*allowed, 302)
                if response.status_code not in allowed:
                    failures.append(f"{role} {method} {url}: {_status(response)}")
    assert not failures, "\n".join(failures)
    if any(method != "GET" for method in methods):
        world.unchanged(f"{route.key} ({mode})")


@pytest.mark.parametrize("operation", OPERATIONS, ids=[op.label for op in OPERATIONS])
def test_api_operation_refuses_another_organisation(operation: Operation, world: World, mode: str) -> None:
    samples = sample_values()
    ours = {**samples, **world.api_paths["acme"][operation.path]}
    theirs = {**samples, **world.api_paths["globex"][operation.path]}
    missing = [name for name in operation.object_ids if name not in theirs]
    assert not missing, f"{operation.label}: globex has no object for {missing}"
    urls = []
    for path in (operation.path, API_ALIASES.get(operation.label)):
        if path:
            if mode == "orm+rls":
                urls.append(fill_path(path, {**ours, "org_slug": "globex"}))
            if operation.object_ids:
                urls.append(fill_path(path, {**theirs, "org_slug": "acme"}))
    capability = api_capability(operation, fill_path(operation.path, {**ours, "org_slug": "acme"}))
    failures = []
    for role in ROLES:
        client = world.actors["acme"][role].api
        for url in urls:
            response = _call(client, operation.method, url, f"api cross {mode}", api=True)
            if response.status_code not in _refusals(url, "acme", role, capability):
                failures.append(f"{role} {operation.method} {url}: {_status(response)}")
    assert not failures, "\n".join(failures)
    if operation.writes:
        world.unchanged(f"{operation.label} ({mode})")


# --- Inside the organisation: the capability map -------------------------------------------------------------------

# Views whose rights are not (only) a capability: the object-level rule, and the capability that grants it across
# the organisation (a role with that capability must pass; a role without it may get 403/404 from the rule).
TIMESHEET_RULE = "one's own timesheets; a manager those of their projects' people; the PMO and admins all"
OBJECT_RULES: dict[str, tuple[Capability | None, str]] = {
    "projects/{pk}/edit/": (Capability.PROJECTS_CHANGE_ALL, "needs the change right on the project"),
    "projects/{pk}/msproject/": (Capability.PROJECTS_CHANGE_ALL, "an import changes the plan: the change right"),
    "projects/{pk}/msproject/{import_id}/": (Capability.PROJECTS_CHANGE_ALL, "the change right on the project"),
    "projects/{pk}/documents/{document}/delete/": (Capability.PROJECTS_CHANGE_ALL, "the change right on the project"),
    "projects/{pk}/documents/{document}/download/": (None, "404 for a document without a stored file (a link)"),
    "intake/{pk}/": (Capability.INTAKE_VIEW, "a request is read by intake's readers and by its sponsor"),
    "intake/{pk}/edit/": (None, "a request is edited by its sponsor while it is a draft (or returned)"),
    "knowledge/{pk}/": (Capability.KNOWLEDGE_MANAGE, "a draft is read by its author and the knowledge managers"),
    "knowledge/{pk}/edit/": (Capability.KNOWLEDGE_MANAGE, "an article is changed by its author and the managers"),
    "knowledge/{pk}/delete/": (Capability.KNOWLEDGE_MANAGE, "an article is deleted by its author and the managers"),
    "knowledge/{pk}/attachments/{attachment_pk}/": (Capability.KNOWLEDGE_MANAGE, "as the article it belongs to"),
    "timesheets/{pk}/": (Capability.RESOURCES_MANAGE, TIMESHEET_RULE),
    "reports/{pk}/pdf": (Capability.REPORTS_VIEW, "packs are read by leadership, a project's report as the project"),
    "alerts/{pk}/": (Capability.ALERTS_VIEW, "an alert is read by leadership and those who may read its project"),
    "risks/{number}/": (Capability.PROJECTS_VIEW_ALL, "a risk is read by those who may read its project"),
    "issues/{number}/": (Capability.PROJECTS_VIEW_ALL, "an issue is read by those who may read its project"),
    "inbox/{pk}/open/": (None, "one's own notifications only"),
    "import/batches/{pk}/": (None, "an import batch is its uploader's"),
    "import/batches/{pk}/commit/": (None, "an import batch is its uploader's"),
    "import/batches/{pk}/delete/": (None, "an import batch is its uploader's"),
    # The API: the same rules, by operation.
    "GET /api/v1/orgs/{org_slug}/dependencies/{id}/": (
        Capability.PROJECTS_VIEW_ALL,
        "a dependency is read by those who may read one of its two projects",
    ),
    "GET /api/v1/orgs/{org_slug}/imports/{id}/": (None, "an import batch is its uploader's"),
    "GET /api/v1/orgs/{org_slug}/issues/{id}/": (Capability.PROJECTS_VIEW_ALL, "as the issue's project"),
    "GET /api/v1/orgs/{org_slug}/risks/{id}/": (Capability.PROJECTS_VIEW_ALL, "as the risk's project"),
    "GET /api/v1/orgs/{org_slug}/risks/{id}/history/": (Capability.PROJECTS_VIEW_ALL, "as the risk's project"),
    "GET /api/v1/orgs/{org_slug}/risks/{risk_pk}/actions/": (Capability.PROJECTS_VIEW_ALL, "as the risk's project"),
    "GET /api/v1/orgs/{org_slug}/risks/{risk_pk}/actions/{id}/": (
        Capability.PROJECTS_VIEW_ALL,
        "as the risk's project",
    ),
    "GET /api/v1/orgs/{org_slug}/status-reports/{id}/": (Capability.PROJECTS_VIEW_ALL, "as the report's project"),
    "GET /api/v1/orgs/{org_slug}/knowledge/{id}/": (Capability.KNOWLEDGE_MANAGE, "a draft: its author, managers"),
    "GET /api/v1/orgs/{org_slug}/knowledge/{article_pk}/attachments/": (
        Capability.KNOWLEDGE_MANAGE,
        "as the article",
    ),
    "GET /api/v1/orgs/{org_slug}/knowledge/{article_pk}/attachments/{id}/": (
        Capability.KNOWLEDGE_MANAGE,
        "as the article",
    ),
    "GET /api/v1/orgs/{org_slug}/knowledge/{article_pk}/attachments/{id}/download/": (
        Capability.KNOWLEDGE_MANAGE,
        "as the article",
    ),
    "GET /api/v1/orgs/{org_slug}/metrics/{key}/values/": (
        Capability.PROJECTS_VIEW_ALL,
        "a metric's values span every project and person: leadership only (alerts.view and projects.view_all)",
    ),
    "GET /api/v1/orgs/{org_slug}/notifications/{id}/": (None, "one's own notifications only"),
    "GET /api/v1/orgs/{org_slug}/subscriptions/{id}/": (None, "one's own report subscriptions only"),
    "GET /api/v1/orgs/{org_slug}/timesheets/{id}/": (Capability.RESOURCES_MANAGE, TIMESHEET_RULE),
    "GET /api/v1/orgs/{org_slug}/reports/{id}/": (Capability.REPORTS_VIEW, "packs: leadership; else the project's"),
    "GET /api/v1/orgs/{org_slug}/reports/{id}/pdf/": (Capability.REPORTS_VIEW, "packs: leadership; else as above"),
    "GET /api/v1/orgs/{org_slug}/requests/{id}/": (Capability.INTAKE_VIEW, "intake's readers and the sponsor"),
    "GET /api/v1/orgs/{org_slug}/projects/{project_pk}/closure/": (None, "404 until a closure report is drafted"),
    "GET /api/v1/orgs/{org_slug}/projects/{project_pk}/documents/{id}/download/": (
        None,
        "404 while the document has no stored file (the demo's documents have none)",
    ),
}
# Tables a refused request writes to by design: the security audit records every refusal (403).
LOGGED = frozenset({"audit_securityevent"})


def _allowed_refusal(key: str, role: str) -> bool:
    rule = OBJECT_RULES.get(key)
    if rule is None:
        return False
    capability, _reason = rule
    return capability is None or not role_can(role, capability)


def _check_roles(
    key: str, world: World, methods: list[tuple[str, str, Capability | None]], *, api: bool, project: Any = None
) -> list[str]:
    """``methods``: (method, url, capability). Refused roles first (every method), then the allowed GETs: under a
    project (``project``: its ID) that the role may not read (object permissions), exactly 404."""
    failures = []
    writes = False
    for role in ROLES:
        actor = world.actors["acme"][role]
        client = actor.api if api else actor.web
        for method, url, capability in methods:
            if capability is None or role_can(role, capability):
                continue
            writes = writes or method != "GET"
            response = _call(client, method, url, "api roles" if api else "web roles", api=api)
            if response.status_code != 403:
                failures.append(f"{role} without {capability} {method} {url}: {_status(response)}")
    if writes:
        world.unchanged(f"{key} refused to roles without the capability")
    for role in ROLES:
        actor = world.actors["acme"][role]
        client = actor.api if api else actor.web
        for method, url, capability in methods:
            if method != "GET" or not (capability is None or role_can(role, capability)):
                continue
            response = _call(client, method, url, "api roles" if api else "web roles", api=api)
            if project is not None and int(project) not in world.visible[role]:
                HIDDEN[role] += 1
                if response.status_code != 404:
                    failures.append(f"{role} may not read project {project}: {method} {url}: {_status(response)}")
                continue
            refused = response.status_code in (403, 404)
            if response.status_code >= 500 or (refused and not _allowed_refusal(key, role)):
                failures.append(f"{role} with {capability} {method} {url}: {_status(response)}")
    return failures


@pytest.mark.parametrize("route", WEB, ids=[route.key for route in WEB])
def test_web_route_follows_the_capability_map(route: Route, world: World) -> None:
    values = web_values(route, world.objects["acme"])
    url = web_url(route, "acme", values)
    capability = web_capability(route)
    needs = METHOD_CAPABILITIES.get(route.key, {})
    calls = [(method, url, needs.get(method, capability)) for method in web_methods(route)]
    project = values.get("projects/{pk}") if route.key.startswith("projects/{pk}") else None
    failures = _check_roles(route.key, world, calls, api=False, project=project)
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("operation", OPERATIONS, ids=[op.label for op in OPERATIONS])
def test_api_operation_follows_the_capability_map(operation: Operation, world: World) -> None:
    values = {**sample_values(), **world.api_paths["acme"][operation.path]}
    url = fill_path(operation.path, values)
    capability = api_capability(operation, url)
    project = values.get("project_pk")
    if operation.path.startswith("/api/v1/orgs/{org_slug}/projects/{id}/"):
        project = values.get("id")
    failures = _check_roles(operation.label, world, [(operation.method, url, capability)], api=True, project=project)
    assert not failures, "\n".join(failures)


# --- Completeness ------------------------------------------------------------------------------------------------


def _excused(route: str) -> str | None:
    if route in NOT_CROSSABLE:
        return route
    if route.startswith("api/v1/orgs/<slug:org_slug>/") or route.startswith("o/"):
        return None  # an organisation's route is never excused
    return next((key for key in NOT_CROSSABLE if key.endswith("/") and key and route.startswith(key)), None)


def test_every_route_is_covered_or_excused() -> None:
    """Every route of the URL configuration is a web route of the matrix, serves an API operation of the matrix,
    or is listed in ``NOT_CROSSABLE`` (and every listed prefix still names a route)."""
    web = {route.route for route in WEB}
    api = {api_route_of(op) for op in OPERATIONS}
    api |= {api_route_of(Operation(method="GET", path=alias, spec={})) for alias in API_ALIASES.values()}
    uncovered = []
    used = set()
    for route in all_routes():
        if route.route in web or route.route in api:
            continue
        prefix = _excused(route.route)
        if prefix is None:
            uncovered.append(route.route)
        else:
            used.add(prefix)
    assert not uncovered, f"neither in the matrix nor in NOT_CROSSABLE: {uncovered}"
    assert set(NOT_CROSSABLE) == used, f"listed but gone: {sorted(set(NOT_CROSSABLE) - used)}"
    assert all(reason.strip() for reason in NOT_CROSSABLE.values())
    for route in WEB:
        assert web_methods(route), f"{route.route}: no method"
    assert len(WEB) > 150
    assert len(OPERATIONS) > 250


# --- The RLS-only mode is real ---------------------------------------------------------------------------------------


def test_with_scoping_off_only_row_level_security_separates(world: World, settings: Any) -> None:
    """Canary of the RLS-only mode: with ``TENANCY_ORM_SCOPING`` off, the manager and the API base add no tenant
    filter (their SQL has no WHERE), a query for globex's rows inside acme's context returns nothing only because of
    RLS (globex has them), and outside any tenant even the unscoped manager sees nothing. With the switch on, the
    filter is back."""
    from pmo.tenancy.api_base import OrganizationViewSet
    from pmo.tenancy.context import current_organization_id

    acme, globex = world.acme.organization, world.globex.organization
    settings.TENANCY_ORM_SCOPING = False
    with tenant_context(globex):
        theirs = Project.objects.count()
    assert theirs > 0
    with tenant_context(acme):
        assert "WHERE" not in str(Project.objects.all().query)
        assert Project.objects.filter(organization_id=globex.pk).count() == 0
        assert set(Project.objects.values_list("organization_id", flat=True)) == {acme.pk}
        view = OrganizationViewSet()
        view.model = Project
        view.organization = acme
        assert "WHERE" not in str(view.get_queryset().query)
        assert set(view.get_queryset().values_list("organization_id", flat=True)) == {acme.pk}
    assert current_organization_id() is None
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(current_setting('app.organization_id', true), '')")
        assert cursor.fetchone()[0] in ("", "0")
    assert Project.dangerously_unscoped.count() == 0
    settings.TENANCY_ORM_SCOPING = True
    with tenant_context(acme):
        assert "organization_id" in str(Project.objects.all().query).split("WHERE")[1]
        view = OrganizationViewSet()
        view.model = Project
        view.organization = acme
        assert "organization_id" in str(view.get_queryset().query).split("WHERE")[1]


def test_the_snapshot_sees_a_write_in_another_organisation(world: World) -> None:
    with tenant_context(world.globex.organization):
        project = world.objects["globex"].project
        Project.objects.filter(pk=project.pk).update(name=f"{project.name} (changed)")
    with pytest.raises(AssertionError, match="projects_project"):
        world.unchanged("a write behind the views")


# --- Figures -----------------------------------------------------------------------------------------------------


def _write_figures() -> None:
    web_methods_total = sum(len(web_methods(route)) for route in WEB)
    lines = [
        f"routes in the URL configuration: {len(all_routes())}",
        f"web routes under /o/<org_slug>/: {len(WEB)} ({web_methods_total} route x method)",
        f"API operations under /api/v1/orgs/<org_slug>/ (schema): {len(OPERATIONS)}",
        f"API operations outside an organisation (excused): {len(OTHER_OPERATIONS)}",
        f"route prefixes not crossable (listed with a reason): {len(NOT_CROSSABLE)}",
        f"roles: {len(ROLES)} ({', '.join(ROLES)})",
        f"modes across organisations: {len(MODES)} ({', '.join(MODES)})",
        f"object rules (roles refused by object permissions): {len(OBJECT_RULES)}",
        f"excused crossings (the same numbers in both organisations): {len(EXCUSED)}",
        f"GETs under a project the role may not read (404 asserted): {sum(HIDDEN.values())} {dict(HIDDEN)}",
        *[f"calls, {kind}: {count}" for kind, count in sorted(CALLS.items())],
        f"calls: {sum(CALLS.values())}",
    ]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / "matrix.txt"
    path.write_text("\n".join(lines) + "\n")
    print("\n" + "\n".join(lines) + f"\n(written to {path})")
