"""The pieces of the isolation matrix (``tests/test_isolation_matrix.py``): every route of the URL configuration
(web pages under ``/o/<org_slug>/`` and API operations under ``/api/v1/``), the methods each one allows, the
capability each one asks for, real objects of an organisation for every path parameter, and the demo users of every
role with a logged-in browser client and an API token each.

The web routes come from ``get_resolver()`` walked recursively; the API operations from the OpenAPI schema (and the
resolver's API routes are checked against the schema, so a route the schema leaves out is noticed).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.utils import timezone
from rest_framework.test import APIClient

from pmo.accounts.services import api_token_create
from pmo.tenancy.context import tenant_context
from pmo.tenancy.models import Invitation, Membership, Organization
from pmo.tenancy.roles import Capability, Role
from tests.api_conformance_support import Operation, fill_path, operations, sample_values

ROLES: tuple[str, ...] = tuple(role.value for role in Role)
SAFE_METHODS = ("GET",)
WEB_PREFIX = "o/<slug:org_slug>/"


# --- Routes of the URL configuration -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    """One URL pattern: its route (prefixes joined), its name with namespaces, and the view behind it."""

    route: str
    name: str | None
    callback: Any
    parameters: tuple[str, ...]

    @property
    def view_class(self) -> Any:
        return getattr(self.callback, "view_class", None) or getattr(self.callback, "cls", None)

    @property
    def label(self) -> str:
        return self.route

    @property
    def key(self) -> str:
        """The route without the organisation prefix and with every converter written ``{name}``."""
        route = self.route.removeprefix(WEB_PREFIX)
        route = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", route)
        return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route).replace("^", "").replace("$", "").replace("\\", "")


def _walk(resolver: URLResolver, prefix: str, namespace: str) -> Iterator[Route]:
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _walk(pattern, prefix + _part(pattern), inner)
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}{pattern.name}" if pattern.name else None
            parameters = tuple(pattern.pattern.regex.groupindex)
            yield Route(route=prefix + _part(pattern), name=name, callback=pattern.callback, parameters=parameters)


def _part(pattern: URLPattern | URLResolver) -> str:
    """The pattern's route as ``ResolverMatch.route`` joins it (a regular expression without its leading ``^``)."""
    return str(pattern.pattern).removeprefix("^")


@functools.cache
def all_routes() -> tuple[Route, ...]:
    return tuple(_walk(get_resolver(), "", ""))


def web_routes() -> list[Route]:
    """The organisation's pages: every route under ``/o/<org_slug>/``."""
    return [route for route in all_routes() if route.route.startswith(WEB_PREFIX)]


def web_methods(route: Route) -> tuple[str, ...]:
    """The HTTP methods the view answers (``http_method_names`` it implements), but OPTIONS and HEAD (Django's
    generic answers: HEAD is GET without the body)."""
    view = route.view_class
    return tuple(
        method.upper()
        for method in view.http_method_names
        if method not in ("options", "head") and callable(getattr(view, method, None))
    )


def web_capability(route: Route) -> Capability | None:
    return route.view_class.capability


# --- API operations ------------------------------------------------------------------------------------------------


@functools.cache
def api_operations() -> tuple[Operation, ...]:
    return tuple(operations())


def api_route_of(operation: Operation) -> str:
    """The resolver's route that serves ``operation`` (its path filled with sample values)."""
    values = dict.fromkeys(operation.path_parameters, "1") | sample_values() | {"org_slug": "acme"}
    return resolve(fill_path(operation.path, values)).route


def api_capability(operation: Operation, url: str) -> Capability | None:
    """The capability the API view asks for this operation: ``required_capability()`` of the view behind ``url``,
    with the action the router maps the method to (None: not an organisation view)."""
    match = resolve(url)
    view_class = getattr(match.func, "cls", None)
    if view_class is None or not hasattr(view_class, "required_capability"):
        return None
    view = view_class()
    actions = getattr(match.func, "actions", None) or {}
    view.action = actions.get(operation.method.lower())
    return view.required_capability(_MethodOnly(operation.method))


@dataclass
class _MethodOnly:
    method: str


# --- Real objects of an organisation for every path parameter of the web routes ---------------------------------

WEEK = "{week}"


def iso_week() -> str:
    year, week, _day = (timezone.localdate() - timedelta(days=7)).isocalendar()
    return f"{year}-W{week:02d}"


@dataclass
class OrgObjects:
    """An organisation's objects for the web routes' parameters, read inside its tenant context. ``project`` is the
    project the demo manager manages and that the member and viewer may read where the demo has one."""

    organization: Organization
    project: Any
    values: dict[str, Any]


def _first(queryset: Any) -> Any:
    obj = queryset.order_by("pk").first()
    return None if obj is None else obj


def _pk(queryset: Any) -> Any:
    obj = _first(queryset)
    return None if obj is None else obj.pk


def choose_project(organization: Organization) -> Any:
    """The project of the demo manager that the most roles may read (object permissions granted to the member and
    the viewer), with the most children for the nested routes."""
    from pmo.tenancy.access import OrgAccess
    from projects.models import Project
    from projects.selectors import projects_visible_to

    with tenant_context(organization):
        members = Membership.objects.filter(organization=organization, role__in=[Role.MEMBER, Role.VIEWER])
        readable = [
            set(
                projects_visible_to(access=OrgAccess(organization=organization, membership=m)).values_list(
                    "pk", flat=True
                )
            )
            for m in members
        ]
        manager = Membership.objects.filter(organization=organization, role=Role.MANAGER).first()
        assert manager is not None
        candidates = list(Project.objects.filter(organization=organization, manager_id=manager.user_id).order_by("pk"))

        def score(project: Any) -> tuple[int, int, int]:
            readers = sum(1 for pks in readable if project.pk in pks)
            children = (
                project.change_requests.count()
                + project.baselines.count()
                + project.documents.count()
                + project.milestones.count()
            )
            return (readers, children, -project.pk)

        return max(candidates, key=score)


def complete_for_web(organization: Organization, admin: Any) -> None:
    """Add what the web routes need and the demo may leave out: a Microsoft Project import of the chosen project."""
    from projects.models import PlanImport

    project = choose_project(organization)
    with tenant_context(organization):
        if not PlanImport.objects.filter(organization=organization, project=project).exists():
            PlanImport.objects.create(
                organization=organization,
                project=project,
                file_name="plan.xml",
                sha256="0" * 64,
                plan={"name": "Plan", "start": None, "finish": None, "summary": None, "tasks": []},
                created_by=admin,
            )


def fingerprint(organization: Organization) -> dict[str, tuple[int, int]]:
    """A cheap fingerprint of the organisation's rows in every table of ``snapshot_tables``: the row count and the
    newest row version (``max(xmin)``). Every write of a request runs in a subtransaction of its own, whose id is
    newer than any row's: an insert or an update raises ``max(xmin)``, a delete lowers the count. Read inside the
    organisation's tenant context, so Row-Level Security applies."""
    from django.db import connection

    from tests.api_conformance_support import snapshot_tables

    quote = connection.ops.quote_name
    parts = []
    params: list[Any] = []
    for table in snapshot_tables():
        select = "SELECT %s, count(*), coalesce(max(t.xmin::text::bigint), 0)"
        parts.append(f"{select} FROM {quote(table.name)} t WHERE {table.scope}")
        params += [table.name, organization.pk]
    with tenant_context(organization), connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        return {name: (count, newest) for name, count, newest in cursor.fetchall()}


def org_objects(organization: Organization) -> OrgObjects:
    """Read one object of every kind the web routes name (children of the chosen project where nested)."""
    from pmo.imports.models import ImportBatch
    from portfolio.models import Portfolio, Programme, ProjectRequest, Scenario, ScoringCriterion, StrategicObjective
    from projects.documents.models import ProjectDocument
    from projects.knowledge.models import Article, Attachment
    from projects.models import (
        Baseline,
        ChangeRequest,
        Dependency,
        GateReview,
        Milestone,
        PlanImport,
        ProcessTemplate,
        ProjectDeliverable,
        TailoringRequest,
        TemplateDeliverable,
        TemplateGate,
        TemplatePhase,
    )
    from reports.models import Alert, AlertRule, Notification, Report, Webhook, WebhookDelivery
    from resources.models import Allocation, Department, Person, Timesheet
    from risks.models import Issue, Risk

    project = choose_project(organization)
    org = {"organization": organization}
    with tenant_context(organization):
        template = _first(ProcessTemplate.objects.filter(**org, phases__isnull=False).distinct())
        article = _first(Article.objects.filter(**org, attachments__isnull=False).distinct()) or _first(
            Article.objects.filter(**org)
        )
        webhook = _first(Webhook.objects.filter(**org, deliveries__isnull=False).distinct())
        change = _first(ChangeRequest.objects.filter(**org, project=project)) or None
        baseline = _first(Baseline.objects.filter(**org, project=project))
        values: dict[str, Any] = {
            "members/{pk}": _pk(Membership.objects.filter(**org).exclude(role=Role.ADMIN)),
            "invitations/{pk}": _pk(Invitation.objects.filter(**org)),
            "portfolios/{pk}": _pk(Portfolio.objects.filter(**org)),
            "risks/portfolio/{pk}": _pk(Portfolio.objects.filter(**org)),
            "programmes/{pk}": _pk(Programme.objects.filter(**org)),
            "objectives/{pk}": _pk(StrategicObjective.objects.filter(**org)),
            "intake/{pk}": _pk(ProjectRequest.objects.filter(**org)),
            "intake/scoring/{pk}": _pk(ScoringCriterion.objects.filter(**org)),
            "intake/scenarios/{pk}": _pk(Scenario.objects.filter(**org)),
            "projects/{pk}": project.pk,
            "projects/{pk}/changes/{number}": change.number if change else None,
            "projects/{pk}/deliverables/{item}": _pk(ProjectDeliverable.objects.filter(**org, project=project)),
            "projects/{pk}/gates/{item}": _pk(GateReview.objects.filter(**org, project=project)),
            "projects/{pk}/tailoring/{item}": _pk(TailoringRequest.objects.filter(**org, project=project))
            or _pk(TailoringRequest.objects.filter(**org)),
            "projects/{pk}/milestones/{item}": _pk(Milestone.objects.filter(**org, project=project)),
            "projects/{pk}/baselines/{version}": baseline.version if baseline else None,
            "projects/{pk}/documents/{document}": _pk(ProjectDocument.objects.filter(**org, project=project))
            or _pk(ProjectDocument.objects.filter(**org)),
            "projects/{pk}/msproject/{import_id}": _pk(PlanImport.objects.filter(**org, project=project))
            or _pk(PlanImport.objects.filter(**org)),
            "dependencies/{dependency}": _pk(Dependency.objects.filter(**org)),
            "templates/{pk}": template.pk if template else None,
            "templates/{pk}/phases/{item}": _pk(TemplatePhase.objects.filter(**org, template=template)),
            "templates/{pk}/deliverables/{item}": _pk(
                TemplateDeliverable.objects.filter(**org, phase__template=template)
            ),
            "templates/{pk}/gates/{item}": _pk(TemplateGate.objects.filter(**org, phase__template=template)),
            "knowledge/{pk}": article.pk if article else None,
            "knowledge/{pk}/attachments/{attachment_pk}": _pk(Attachment.objects.filter(**org, article=article)),
            "resources/people/{pk}": _pk(Person.objects.filter(**org)),
            "resources/capacity/{by}/{group}": _pk(Department.objects.filter(**org)),
            "resources/allocations/{pk}": _pk(Allocation.objects.filter(**org)),
            "timesheets/{pk}": _pk(Timesheet.objects.filter(**org)),
            "risks/{number}": _first(Risk.objects.filter(**org)).number,
            "issues/{number}": _first(Issue.objects.filter(**org)).number,
            # Every number in use, to cross with one that the other organisation does not have.
            "risks/{number} (all)": set(Risk.objects.filter(**org).values_list("number", flat=True)),
            "issues/{number} (all)": set(Issue.objects.filter(**org).values_list("number", flat=True)),
            "alerts/rules/{pk}": _pk(AlertRule.objects.filter(**org)),
            "alerts/{pk}": _pk(Alert.objects.filter(**org)),
            "inbox/{pk}": _pk(Notification.objects.filter(**org)),
            "webhooks/{pk}": webhook.pk if webhook else None,
            "webhooks/{pk}/deliveries/{delivery_pk}": _pk(WebhookDelivery.objects.filter(**org, webhook=webhook)),
            "reports/{pk}": _pk(Report.objects.filter(**org)),
            "import/batches/{pk}": _pk(ImportBatch.objects.filter(**org)),
        }
    return OrgObjects(organization=organization, project=project, values=values)


# Parameters that name no object: a value that reaches the view, by the route before the parameter.
NOT_OBJECT_VALUES: dict[str, Callable[[], str]] = {
    "projects/{pk}/status/{week}": iso_week,
    "projects/{pk}/status/{week}/{verb}": lambda: "save",
    "projects/{pk}/changes/{number}/{verb}": lambda: "submit",
    "projects/{pk}/closure/{verb}": lambda: "submit",
    "resources/people/{pk}/{verb}": lambda: "skills",
    "resources/capacity/{by}": lambda: "department",
    "resources/capacity/{by}/{group}/{week}": iso_week,
    "timesheets/{pk}/{verb}": lambda: "submit",
    "risks/{number}/{verb}": lambda: "edit",
    "issues/{number}/{verb}": lambda: "edit",
    "alerts/rules/{pk}/{verb}": lambda: "disable",
    "import/{entity}": lambda: "risks",
    "import/{entity}/template.{fmt}": lambda: "csv",
}

# Objects numbered per organisation (not a global ID): another organisation's number may name one of ours, so the
# "our slug with their number" half is made only with a number that we do not have.
PER_ORGANISATION_NUMBERS = frozenset({"risks/{number}", "issues/{number}"})


def parameter_keys(route: Route) -> list[str]:
    """For each path parameter but the organisation, the route up to and including it: the key of its value."""
    key = route.key
    return [key[: key.index("{" + name + "}") + len(name) + 2] for name in route.parameters if name != "org_slug"]


def web_url(route: Route, slug: str, values: dict[str, Any]) -> str:
    """The route's URL in organisation ``slug`` with ``values`` (by parameter key) for its parameters."""
    from django.urls import reverse

    kwargs: dict[str, Any] = {"org_slug": slug}
    for name, key in zip([p for p in route.parameters if p != "org_slug"], parameter_keys(route), strict=True):
        kwargs[name] = values[key]
    assert route.name, f"{route.route} has no URL name"
    return reverse(route.name, kwargs=kwargs)


def web_values(route: Route, objects: OrgObjects) -> dict[str, Any]:
    """Values for every parameter of the route, from ``objects`` (objects) and ``NOT_OBJECT_VALUES``; a parameter of
    neither fails with the key to add."""
    values: dict[str, Any] = {}
    for key in parameter_keys(route):
        if key in NOT_OBJECT_VALUES:
            values[key] = NOT_OBJECT_VALUES[key]()
        else:
            assert key in objects.values, (
                f"{route.route}: no value for {key!r}; add it to tests/isolation_support.org_objects "
                "(an object) or NOT_OBJECT_VALUES"
            )
            assert objects.values[key] is not None, f"{objects.organization.slug} has no object for {key!r}"
            values[key] = objects.values[key]
    return values


def object_keys(route: Route) -> list[str]:
    return [key for key in parameter_keys(route) if key not in NOT_OBJECT_VALUES]


# --- The demo users of every role -------------------------------------------------------------------------------


@dataclass
class Actor:
    """A demo user of one role in one organisation: a logged-in browser client and an API client with a token."""

    role: str
    user: Any
    web: Client
    api: APIClient


def actors(organization: Organization) -> dict[str, Actor]:
    found = {}
    for role in ROLES:
        user = get_user_model()._default_manager.get(email=f"{role}@{organization.slug}.example")
        web = Client()
        web.force_login(user)
        _, token = api_token_create(user=user, name="isolation matrix")
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        found[role] = Actor(role=role, user=user, web=web, api=api)
    return found
