"""Shared pieces of the API conformance tests (``tests/test_api_schema.py``, ``tests/test_api_schemathesis.py``,
``tests/test_api_cross_org.py``): the OpenAPI schema as the server builds it, the operations it lists, the demo
data with tokens, the real IDs of each organisation's objects for every path, the WSGI application for in-process
calls and a snapshot of an organisation's tenant tables.

Everything is generic over the schema: a new endpoint is picked up without a change here.
"""

from __future__ import annotations

import functools
import json
import logging
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from io import StringIO
from pathlib import Path
from typing import Any

import schemathesis
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.handlers.wsgi import WSGIHandler
from django.core.management import call_command
from django.core.serializers.json import DjangoJSONEncoder
from django.core.signals import got_request_exception, request_finished, request_started
from django.db import close_old_connections, connection
from django.test import override_settings
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from rest_framework.test import APIClient
from schemathesis import GenerationMode

from pmo.accounts.models import ApiToken
from pmo.accounts.services import api_token_create
from pmo.tenancy.context import tenant_context
from pmo.tenancy.models import Organization
from reports.models import ReportSubscription

ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts" / "api"
HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
ORG_PARAMETER = "org_slug"
PARAMETER = re.compile(r"{(\w+)}")


# --- The schema -------------------------------------------------------------------------------------------------


@functools.cache
def openapi_schema() -> dict[str, Any]:
    """The schema ``/api/schema/`` serves, as plain JSON data (lazy translations resolved)."""
    generated = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(json.dumps(generated, cls=DjangoJSONEncoder))


@dataclass(frozen=True)
class Operation:
    method: str  # upper case
    path: str  # the template, e.g. /api/v1/orgs/{org_slug}/projects/{id}/
    spec: dict[str, Any] = field(compare=False, repr=False)

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def path_parameters(self) -> list[str]:
        return PARAMETER.findall(self.path)

    @property
    def in_organization(self) -> bool:
        return ORG_PARAMETER in self.path_parameters

    @property
    def object_parameters(self) -> list[str]:
        """The path parameters other than the organisation."""
        return [name for name in self.path_parameters if name != ORG_PARAMETER]

    @property
    def object_ids(self) -> list[str]:
        """The path parameters that name an object of the organisation (not those of ``NOT_OBJECT_PARAMETERS``)."""
        return [name for name in self.object_parameters if name not in NOT_OBJECT_PARAMETERS]

    @property
    def writes(self) -> bool:
        return self.method in ("POST", "PUT", "PATCH", "DELETE")

    @property
    def authenticated(self) -> bool:
        security = self.spec.get("security") or []
        return bool(security) and {} not in security


@functools.cache
def conformance_schema() -> Any:
    """The schema loaded by schemathesis."""
    return schemathesis.openapi.from_dict(openapi_schema())


def operations() -> list[Operation]:
    found = []
    for path, item in openapi_schema()["paths"].items():
        for method, spec in item.items():
            if method in HTTP_METHODS:
                found.append(Operation(method=method.upper(), path=path, spec=spec))
    return found


def fill_path(template: str, values: dict[str, Any]) -> str:
    return PARAMETER.sub(lambda match: str(values[match[1]]), template)


# --- In-process calls -------------------------------------------------------------------------------------------


class TestWSGIApp:
    """Django's WSGI application for in-process calls inside a test's transaction.

    Like Django's test client, it keeps ``close_old_connections`` away from the request signals (it would close the
    connection, and with it the test's transaction), and it records the exception behind a 500 so that a failure
    can show the traceback instead of a bare status code.
    """

    __test__ = False  # not a pytest test class

    def __init__(self) -> None:
        self.handler = WSGIHandler()
        self.exceptions: list[BaseException] = []

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        got_request_exception.connect(self._record)
        try:
            response = self.handler(environ, start_response)
            try:
                return [b"".join(response)]
            finally:
                response.close()
        finally:
            got_request_exception.disconnect(self._record)
            request_started.connect(close_old_connections)
            request_finished.connect(close_old_connections)

    def _record(self, sender: Any, request: Any = None, **kwargs: Any) -> None:
        error = sys.exc_info()[1]
        if error is not None:
            self.exceptions.append(error)


# --- Generated cases ---------------------------------------------------------------------------------------------


def run_cases(
    operation: Operation,
    *,
    path_values: dict[str, Any],
    mode: GenerationMode,
    examples: int,
    check: Callable[[schemathesis.Case], None],
) -> None:
    """Call ``check`` on up to ``examples`` cases that schemathesis generates for ``operation`` from the schema
    (``mode``: valid or invalid data), with the given path values fixed. Derandomised, so a run is reproducible;
    no shrinking, so a failure costs no extra calls."""
    api_operation = conformance_schema()[operation.path][operation.method]

    @hypothesis_settings(
        max_examples=examples,
        derandomize=True,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=api_operation.as_strategy(generation_mode=mode, path_parameters=path_values))
    def run(case: schemathesis.Case) -> None:
        check(case)

    run()


def takes_input(operation: Operation) -> bool:
    """Whether invalid data can be generated: a request body or query parameters."""
    return "requestBody" in operation.spec or any(p["in"] == "query" for p in operation.spec.get("parameters", []))


@contextmanager
def unthrottled() -> Iterator[None]:
    """No per-token rate limit (the resolver lists hundreds of collections with one token)."""
    rest_framework: dict[str, Any] = settings.REST_FRAMEWORK
    rates = {**rest_framework.get("DEFAULT_THROTTLE_RATES", {}), "api": None}
    with override_settings(REST_FRAMEWORK={**rest_framework, "DEFAULT_THROTTLE_RATES": rates}):
        yield


@contextmanager
def quiet_request_log() -> Iterator[None]:
    """Refused and invalid calls are what these tests make by the thousand: keep django.request's warnings (4xx)
    out of the output, and its errors (5xx) in."""
    logger = logging.getLogger("django.request")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


# --- The demo data ----------------------------------------------------------------------------------------------


@dataclass
class DemoOrg:
    """One of ``seed_demo``'s organisations with a read-write token of its admin."""

    organization: Organization
    admin: Any
    token: str
    read_token: str

    @property
    def slug(self) -> str:
        return self.organization.slug

    def client(self, token: str | None = None) -> APIClient:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token or self.token}")
        return client


# Path parameters that name no object: why, and a value that reaches the view (where one is needed, e.g. the
# cross-organisation check; the fuzzing generates them).
NOT_OBJECT_PARAMETERS: dict[str, tuple[str, Callable[[], str]]] = {
    "year": ("a calendar year (calendar/year/{year}/), not an object", lambda: str(timezone.localdate().year)),
    "key": ("a metric's key (metrics/{key}/values/), the same in every organisation", lambda: "spi"),
    "entity": ("what an import creates (imports/templates/{entity}.{fmt})", lambda: "risks"),
    "fmt": ("a file format (imports/templates/{entity}.{fmt})", lambda: "csv"),
}


def sample_values() -> dict[str, str]:
    return {name: sample() for name, (_why, sample) in NOT_OBJECT_PARAMETERS.items()}


def complete_demo(organization: Organization, admin: Any) -> None:
    """Add what ``seed_demo`` leaves out, so that every path of the API has an object to point at: an invitation,
    a knowledge attachment, a notification and a report subscription of the admin, a stored report, a staffing
    requirement, a timesheet, a webhook with a delivery, an import batch."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from pmo.imports.models import Entity, ImportBatch
    from projects.knowledge.models import Article
    from projects.knowledge.services import attachment_create
    from projects.models import Project
    from reports.models import ReportKind
    from resources.models import Person, StaffingRequirement, Timesheet
    from tests.factories import InvitationFactory
    from tests.factories_notifications import NotificationFactory, WebhookDeliveryFactory, WebhookFactory
    from tests.factories_packs import ReportFactory, ReportSubscriptionFactory

    monday = timezone.localdate() - timedelta(days=timezone.localdate().weekday())
    with tenant_context(organization):
        InvitationFactory(organization=organization, invited_by=admin)
        article = Article.objects.filter(organization=organization).first()
        if article is not None:
            pdf = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
            upload = SimpleUploadedFile("minutes.pdf", pdf, content_type="application/pdf")
            attachment_create(organization=organization, actor=admin, article=article, upload=upload)
        NotificationFactory(organization=organization, recipient=admin)
        ReportFactory(organization=organization)
        if not ReportSubscription.objects.filter(organization=organization, user=admin).exists():
            ReportSubscriptionFactory(organization=organization, user=admin, kind=ReportKind.WEEKLY_PACK)
        project = Project.objects.filter(organization=organization).order_by("pk").first()
        if project is not None:
            StaffingRequirement.objects.create(
                organization=organization,
                project=project,
                role="Analyst",
                start_week=monday,
                end_week=monday + timedelta(weeks=4),
                hours_per_week=Decimal(10),
            )
        person, _created = Person.objects.get_or_create(
            organization=organization, user=admin, defaults={"full_name": admin.get_full_name() or admin.email}
        )
        Timesheet.objects.get_or_create(organization=organization, person=person, week_start=monday)
        webhook = WebhookFactory(organization=organization, created_by=admin)
        WebhookDeliveryFactory(organization=organization, webhook=webhook)
        ImportBatch.objects.create(
            organization=organization,
            entity=Entity.RISKS,
            created_by=admin,
            file_name="risks.csv",
            file_format=ImportBatch.Format.CSV,
            sha256="0" * 64,
        )


def seed_demo_orgs() -> tuple[DemoOrg, DemoOrg]:
    """``seed_demo`` (acme in English, globex in Chinese), completed (``complete_demo``), plus tokens of each
    admin; run it inside a transaction that the caller rolls back."""
    call_command("seed_demo", stdout=StringIO())
    found = []
    for slug in ("acme", "globex"):
        organization = Organization.objects.get(slug=slug)
        admin = get_user_model()._default_manager.get(email=f"admin@{slug}.example")
        complete_demo(organization, admin)
        _, token = api_token_create(user=admin, name="conformance")
        _, read_token = api_token_create(user=admin, name="conformance read", scope=ApiToken.Scope.READ)
        found.append(DemoOrg(organization=organization, admin=admin, token=token, read_token=read_token))
    return found[0], found[1]


@functools.cache
def _list_operations() -> frozenset[str]:
    return frozenset(op.path for op in operations() if op.method == "GET")


# Lists whose items are not the body's ``results`` (or the body itself): how to read their items.
ITEM_READERS: dict[str, Callable[[Any], list[Any]]] = {
    "/api/v1/orgs/{org_slug}/projects/{project_pk}/staffing/": lambda body: [
        row["requirement"] for row in body["requirements"]
    ],
}


def _items(payload: Any) -> list[dict[str, Any]]:
    if isinstance(payload, dict) and isinstance(payload.get("results"), list):
        payload = payload["results"]
    return [item for item in payload if isinstance(item, dict)] if isinstance(payload, list) else []


def _field_of(parameter: str, item: dict[str, Any]) -> Any:
    for name in (parameter, "id" if parameter == "id" or parameter.endswith("_pk") else parameter):
        if name in item:
            return item[name]
    return None


class PathResolver:
    """Real values for the path parameters of each operation, read from the organisation's own lists.

    A parameter ``{p}`` is looked up in the list operation whose path is the template up to ``{p}``
    (``.../projects/{project_pk}/`` in ``.../projects/``), taking the item's field ``p`` (``id`` for ``id`` and
    ``*_pk``). Where several parents exist, the first whose children are not empty is chosen. The parameters of
    ``NOT_OBJECT_PARAMETERS`` are left to the caller."""

    def __init__(self, org: DemoOrg, *, max_parents: int = 25) -> None:
        self.org = org
        self.client = org.client()
        self.max_parents = max_parents
        self._lists: dict[str, list[dict[str, Any]]] = {}

    def listing(self, path: str, read: Callable[[Any], list[Any]] = _items) -> list[dict[str, Any]]:
        if path not in self._lists:
            with unthrottled():
                response = self.client.get(path, {"page_size": 500})
            assert response.status_code in (200, 400, 403, 404), f"GET {path}: {response.status_code}"
            self._lists[path] = read(response.json()) if response.status_code == 200 else []
        return self._lists[path]

    def resolve(self, template: str) -> dict[str, Any]:
        return self._resolve(template, {ORG_PARAMETER: self.org.slug}, 0)[0]

    def _resolve(self, template: str, values: dict[str, Any], start: int) -> tuple[dict[str, Any], bool]:
        """(the values found, whether they are all the template's); stops at the first parameter without values."""
        match = PARAMETER.search(template, start)
        if match is None:
            return values, True
        name = match[1]
        if name in values or name in NOT_OBJECT_PARAMETERS:
            return self._resolve(template, values, match.end())
        collection_template = template[: match.start()]
        candidates: list[Any] = []
        if collection_template in _list_operations():
            listed = self.listing(fill_path(collection_template, values), ITEM_READERS.get(collection_template, _items))
            candidates = [value for value in (_field_of(name, item) for item in listed) if value is not None]
        best = values
        for value in candidates[: self.max_parents]:
            resolved, complete = self._resolve(template, {**values, name: value}, match.end())
            if complete:
                return resolved, True
            if len(resolved) > len(best):
                best = resolved
        return best, False


# --- Snapshots of an organisation's rows ------------------------------------------------------------------------

# Columns that a refused call may still write (a token's last use), left out of the snapshots.
VOLATILE_COLUMNS = frozenset({"last_used_at", "last_login"})
# Tables outside the tenancy that still belong to an organisation's people, checked through their user.
MEMBER_TABLES = ("accounts_apitoken", "guardian_userobjectpermission")


@dataclass(frozen=True)
class Table:
    name: str
    pk: str
    columns: tuple[str, ...]
    scope: str  # SQL condition on alias t with one parameter: the organisation's id


@functools.cache
def snapshot_tables() -> tuple[Table, ...]:
    """Every tenant-owned table (``organization_id``), the organisation's row, its members' users and tokens."""
    user_model = get_user_model()
    members = "SELECT m.user_id FROM tenancy_membership m WHERE m.organization_id = %s"
    tables = {}
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if not meta.managed or meta.proxy:
            continue
        columns = tuple(f.column for f in meta.concrete_fields if f.column not in VOLATILE_COLUMNS)
        if "organization_id" in columns:
            scope = "t.organization_id = %s"
        elif model is Organization:
            scope = "t.id = %s"
        elif model is user_model:
            scope = f"t.id IN ({members})"
        elif meta.db_table in MEMBER_TABLES:
            scope = f"t.user_id IN ({members})"
        else:
            continue
        tables[meta.db_table] = Table(meta.db_table, meta.pk.column, columns, scope)
    return tuple(tables[name] for name in sorted(tables))


def snapshot(organization: Organization) -> dict[str, tuple[int, str]]:
    """Row count and a hash of the rows of each table of ``snapshot_tables``, as the organisation sees them (inside
    its tenant context, so Row-Level Security applies). The hash is a sum of the rows' hashes: no sort needed."""
    quote = connection.ops.quote_name
    parts = []
    params: list[Any] = []
    for table in snapshot_tables():
        row = ", ".join(f"t.{quote(column)}" for column in table.columns)
        # Table and column names come from the models' metadata, quoted; the values are parameters.
        select = f"SELECT %s, count(*), coalesce(sum(hashtextextended(ROW({row})::text, 0)), 0)::text"
        parts.append(f"{select} FROM {quote(table.name)} t WHERE {table.scope}")
        params += [table.name, organization.pk]
    with tenant_context(organization), connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        return {name: (count, digest) for name, count, digest in cursor.fetchall()}


def changed_tables(before: dict[str, tuple[int, str]], after: dict[str, tuple[int, str]]) -> list[str]:
    return sorted(table for table in before.keys() | after.keys() if before.get(table) != after.get(table))


# --- Reporting --------------------------------------------------------------------------------------------------


def write_figures(name: str, lines: Iterator[str] | list[str]) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / name
    path.write_text("\n".join(lines) + "\n")
    return path
