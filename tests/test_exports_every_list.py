"""Every list exports (issue 8): each web list of the inventory (``INVENTORY``, written out in
``/tmp/fuzz/exports-inventory.md``) answers ``?format=csv`` and ``?format=xlsx`` with exactly the rows of the
list as filtered — every page, not only the first — and a wrong filter or format is a 400, never a file of
something else.

It walks the inventory over ``seed_demo``'s English organisation (acme), as a reader who may open each list: the
page's own count of rows (its paginator, or the table it shows) must equal the rows of both files, the two files
must hold the same rows in the same order, a filter must narrow the files as it narrows the page, and a value that
is not one of a filter's choices must refuse the file and name the field.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from io import StringIO
from typing import Any

import pytest
from django import forms
from django.core.management import call_command
from django.db.models import Count
from django.test import Client
from openpyxl import load_workbook

from pmo.core.management.commands.seed_demo import DEMO_PASSWORD
from pmo.tenancy.context import tenant_context
from pmo.tenancy.models import Organization
from projects.models import Project

SLUG = "acme"


def paged(context: Any) -> int:
    return int(context["page"].paginator.count)


def shown(key: str) -> Callable[[Any], int]:
    return lambda context: len(context[key])


@dataclass(frozen=True)
class Entry:
    """A list page: its path under ``/o/<slug>/`` (``{project}`` is the demo project with the most rows), who
    reads it, how the page counts its rows, and a filter that narrows it (optional)."""

    path: str
    count: Callable[[Any], int] = paged
    role: str = "pmo"
    narrowed: str = ""


INVENTORY: list[Entry] = [
    Entry("projects/", narrowed="status=active"),
    Entry("dependencies/"),
    Entry("portfolios/"),
    Entry("programmes/"),
    Entry("objectives/"),
    Entry("intake/"),
    Entry("intake/pipeline/"),
    Entry("intake/scenarios/", shown("scenarios")),
    Entry("status/"),
    Entry("changes/", narrowed="status=approved"),
    Entry(
        "changes/statistics/",
        lambda c: len(c["stats"].by_project) + len(c["stats"].by_month) + len(c["stats"].by_category) + 1,
    ),
    Entry("risks/", narrowed="status=open"),
    Entry("issues/", narrowed="status=open"),
    Entry("knowledge/", narrowed="kind=lesson"),
    Entry("resources/people/", narrowed="active=yes"),
    Entry("resources/allocations/"),
    Entry("resources/", lambda c: len(c["rows"]) * len(c["report"].weeks)),
    Entry("resources/overallocations/", shown("rows")),
    Entry("resources/utilization/", lambda c: len(c["people"]) + len(c["departments"]) + 1),
    Entry("timesheets/approvals/"),
    Entry("alerts/", narrowed="severity=critical"),
    Entry("alerts/rules/", shown("rules")),
    Entry("inbox/", narrowed="show=unread"),
    Entry("reports/"),
    Entry("dashboard/projects/?figure=all&status=all", narrowed="status=active"),
    Entry("cockpit/quality/"),
    Entry("cockpit/queue/"),
    Entry("members/"),
    Entry("audit/", narrowed="action=update"),
    Entry("audit/security/", narrowed="kind=login_failed"),
    Entry("projects/{project}/milestones/", shown("milestones")),
    Entry("projects/{project}/baselines/", shown("baselines")),
    Entry("projects/{project}/changes/", shown("change_requests")),
    Entry("projects/{project}/documents/", narrowed="kind=minutes"),
]


def csv_table(response: Any) -> list[list[str]]:
    assert response["Content-Type"].startswith("text/csv"), response["Content-Type"]
    assert response.content.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def xlsx_table(response: Any) -> list[list[str]]:
    sheet = load_workbook(io.BytesIO(response.content), read_only=True).worksheets[0]
    return [["" if cell is None else str(cell) for cell in row] for row in sheet.iter_rows(values_only=True)]


def with_params(path: str, query: str) -> str:
    if not query:
        return path
    return f"{path}{'&' if '?' in path else '?'}{query}"


def choice_field(context: Any) -> str | None:
    """A filter of the page that takes only its choices (the sort last), or ``None`` for a list without one."""
    form = context.get("filter_form") or context.get("form")
    if form is None:
        return None
    names = [name for name, field in form.fields.items() if isinstance(field, forms.ChoiceField)]
    names.sort(key=lambda name: name == "sort")
    return names[0] if names else None


def check(client: Client, entry: Entry, path: str) -> list[str]:
    """The problems of one list (an empty list when it keeps its promises)."""
    problems: list[str] = []
    for query in ["", entry.narrowed] if entry.narrowed else [""]:
        url = with_params(path, query)
        page = client.get(url)
        if page.status_code != 200:
            return [f"{url}: the page answered {page.status_code}"]
        rows = entry.count(page.context)
        files = {}
        for fmt, read in (("csv", csv_table), ("xlsx", xlsx_table)):
            response = client.get(with_params(url, f"format={fmt}"))
            if response.status_code != 200:
                problems.append(f"{url} {fmt}: {response.status_code}")
                continue
            assert response["Content-Disposition"].startswith("attachment;")
            files[fmt] = read(response)
            if not files[fmt] or not files[fmt][0][0]:
                problems.append(f"{url} {fmt}: no header row")
            elif len(files[fmt]) - 1 != rows:
                problems.append(f"{url} {fmt}: {len(files[fmt]) - 1} rows, the list has {rows}")
        if len(files) == 2 and [r[0] for r in files["csv"]] != [r[0] for r in files["xlsx"]]:
            problems.append(f"{url}: the CSV and the XLSX hold different rows")
        if query:
            unfiltered = entry.count(client.get(path).context)
            if rows >= unfiltered:
                problems.append(f"{url}: the filter did not narrow the list ({rows} of {unfiltered})")
    first = client.get(path)
    if client.get(with_params(path, "format=pdf")).status_code != 400:
        problems.append(f"{path}: format=pdf is not a 400")
    name = choice_field(first.context)
    if name is not None:
        refused = client.get(with_params(path, f"{name}=not-a-choice&format=csv"))
        named = name in (refused.json() if refused["Content-Type"].startswith("application/json") else {name: 1})
        if refused.status_code != 400 or not named:
            problems.append(f"{path}: a wrong {name} filter answered {refused.status_code}, not a 400 naming it")
    return problems


@pytest.mark.django_db
def test_every_list_of_the_inventory_exports_its_filtered_rows_in_both_formats() -> None:
    call_command("seed_demo", stdout=StringIO())
    organization = Organization.objects.get(slug=SLUG)
    with tenant_context(organization):
        project = (
            Project.objects.annotate(n=Count("milestones", distinct=True) + Count("change_requests", distinct=True))
            .order_by("-n", "pk")
            .first()
        )
        assert project is not None
    # Security events to list: a failed and a successful sign-in through the form (each recorded in acme).
    signing_in = Client()
    signing_in.post("/accounts/login/", {"username": f"pmo@{SLUG}.example", "password": "not-the-password-1"})
    signing_in.post("/accounts/login/", {"username": f"pmo@{SLUG}.example", "password": DEMO_PASSWORD})
    clients: dict[str, Client] = {}
    problems: list[str] = []
    multi_page = []
    for entry in INVENTORY:
        if entry.role not in clients:
            clients[entry.role] = Client()
            assert clients[entry.role].login(username=f"{entry.role}@{SLUG}.example", password=DEMO_PASSWORD)
            clients[entry.role].cookies["django_language"] = "en"
        path = f"/o/{SLUG}/" + entry.path.format(project=project.pk)
        problems += check(clients[entry.role], entry, path)
        page = clients[entry.role].get(path)
        if "page" in page.context and page.context["page"].paginator.num_pages > 1:
            multi_page.append(entry.path)
    assert not problems, "\n".join(problems)
    # The demo fills some lists past one page: their files hold every page (checked above by the counts).
    assert multi_page, "no list of the demo spans two pages"


# Views that inherit a list's export but answer only a POST or redirect (an action on a row of the list).
ACTIONS = {
    "alerts/rules/<int:pk>/<str:verb>/",
    "resources/allocations/<int:pk>/edit/",
    "projects/{project}/milestones/<int:item>/",
}


def test_the_inventory_names_every_exportable_page() -> None:
    """A list page that offers files must be in the inventory (so the walk above checks it), and each entry of the
    inventory must be such a page."""
    from django.urls import URLPattern, URLResolver, get_resolver

    from pmo.core.exports import ExportableListMixin

    def walk(patterns: list[Any], prefix: str = "") -> list[tuple[str, Any]]:
        found = []
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                found += walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                found.append((prefix + str(pattern.pattern), getattr(pattern.callback, "view_class", None)))
        return found

    exportable = {
        path.removeprefix("o/<slug:org_slug>/").replace("projects/<int:pk>/", "projects/{project}/")
        for path, view in walk(get_resolver().url_patterns)
        if path.startswith("o/") and view is not None and issubclass(view, ExportableListMixin)
    } - ACTIONS
    listed = {entry.path.partition("?")[0] for entry in INVENTORY}
    assert exportable == listed, (sorted(exportable - listed), sorted(listed - exportable))
