"""The lists that filter, sort, paginate and export (part A): the change-request queue, the weekly status list, the
knowledge base, portfolios, programmes, objectives, the intake queue and the pipeline.

For each: the filters and the sort change the rows; the CSV/XLSX export holds the same rows as the filtered list (all
pages, not only the first) under readable headers in the reader's language; page and export cost the same number of
queries at two sizes; another organisation's rows never appear and its users get 404; roles that may not open the
list may not export it either; invalid filters are named, never exported as "everything"."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils import translation
from openpyxl import load_workbook

from projects.models import ChangeRequest
from projects.policy import current_week_start, week_label
from projects.status import services as status_services
from tests.conftest import ROLES, OrgWorld
from tests.factories import ProjectFactory
from tests.factories_portfolio import (
    VIEWERS,
    ObjectiveFactory,
    PortfolioFactory,
    ProgrammeFactory,
    build_intake,
    new_request,
)
from tests.factories_projects import lifecycle_project
from tests.test_changes_factories import bring_to, cr_project, raise_cr
from tests.test_knowledge_support import make_article


def client_for(user: Any, language: str = "en") -> Client:
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = language
    return client


def url(world: OrgWorld, path: str) -> str:
    return f"/o/{world.slug}/{path}"


def csv_table(response: Any) -> list[list[str]]:
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith("text/csv")
    assert response.content.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(response.content[3:].decode("utf-8"))))


def xlsx_table(response: Any) -> list[tuple[Any, ...]]:
    assert response.status_code == 200, response.content[:300]
    return list(load_workbook(io.BytesIO(response.content)).worksheets[0].iter_rows(values_only=True))


def column(table: list[Any], header: str) -> list[Any]:
    index = list(table[0]).index(header)
    return [row[index] for row in table[1:]]


def all_pages(client: Client, path: str, params: dict[str, str], key: str) -> list[Any]:
    """The rows of every page of a list (``key`` is the context's row list)."""
    rows: list[Any] = []
    number = 1
    while True:
        response = client.get(path, {**params, "page": str(number)})
        assert response.status_code == 200
        rows += list(response.context[key])
        if not response.context["page"].has_next():
            return rows
        number += 1


# --- Change requests -------------------------------------------------------------------------------------------


def change_requests(world: OrgWorld, count: int) -> list[ChangeRequest]:
    """``count`` requests over two projects (the second in no portfolio), costs 1000, 2000 …, every other one
    submitted."""
    first = cr_project(world, code="CQ-A")
    second = cr_project(world, code="CQ-B")
    made = []
    for i in range(count):
        cr = raise_cr(world, first if i % 2 == 0 else second, title=f"Change {i:02d}", cost=1000 * (i + 1))
        if i % 2:
            bring_to(world, cr, "submitted")
        made.append(cr)
    return made


def test_change_queue_filters_sort_and_search(org_a: OrgWorld) -> None:
    change_requests(org_a, 6)
    client = client_for(org_a.users["pmo"])
    path = url(org_a, "changes/")

    submitted = client.get(path, {"status": "submitted"}).context["change_requests"]
    by_cost = client.get(path, {"sort": "-cost"}).context["change_requests"]
    by_cost_up = client.get(path, {"sort": "cost"}).context["change_requests"]
    found = client.get(path, {"search": "CQ-B"}).context["change_requests"]
    numbered = client.get(path, {"search": "change 04"}).context["change_requests"]

    assert {cr.title for cr in submitted} == {"Change 01", "Change 03", "Change 05"}
    assert [cr.cost_delta for cr in by_cost] == sorted((cr.cost_delta for cr in by_cost), reverse=True)
    assert [cr.title for cr in by_cost_up][:2] == ["Change 00", "Change 01"]
    assert {cr.project.code for cr in found} == {"CQ-B"}
    assert [cr.title for cr in numbered] == ["Change 04"]


def test_change_queue_export_has_every_page_of_the_filtered_list(org_a: OrgWorld) -> None:
    change_requests(org_a, 54)
    client = client_for(org_a.users["pmo"])
    path = url(org_a, "changes/")
    params = {"project": "", "sort": "-cost"}

    listed = all_pages(client, path, params, "change_requests")
    table = csv_table(client.get(path, {**params, "format": "csv"}))
    sheet = xlsx_table(client.get(path, {**params, "format": "xlsx"}))
    filtered = csv_table(client.get(path, {"status": "submitted", "format": "csv"}))

    assert len(listed) == 54
    assert table[0][:7] == ["Project code", "Project", "Portfolio", "Code", "Title", "Type", "Status"]
    assert column(table, "Title") == [cr.title for cr in listed]
    assert column(table, "Cost Δ") == [f"{cr.cost_delta:.2f}" for cr in listed]
    assert set(column(table, "Status")) == {"Draft", "Submitted"}
    assert [row[4] for row in sheet[1:]] == [cr.title for cr in listed]
    assert isinstance(sheet[1][7], int | float)  # the cost is a number in Excel, not text
    assert len(filtered) == 1 + 27 and set(column(filtered, "Status")) == {"Submitted"}


def test_change_queue_export_in_chinese(org_a: OrgWorld) -> None:
    change_requests(org_a, 2)
    client = client_for(org_a.users["pmo"], "zh-hans")
    with translation.override("zh-hans"):
        table = csv_table(client.get(url(org_a, "changes/"), {"format": "csv"}))

    assert table[0][1] == "项目" and "Project" not in table[0]
    assert "Submitted" not in column(table, table[0][6])


def test_change_queue_invalid_dates_are_named_not_exported(org_a: OrgWorld) -> None:
    change_requests(org_a, 2)
    client = client_for(org_a.users["pmo"])
    bad = {"submitted_from": "2026-05-01", "submitted_to": "2026-04-01"}

    page = client.get(url(org_a, "changes/"), bad)
    export = client.get(url(org_a, "changes/"), {**bad, "format": "csv"})

    assert page.status_code == 200
    assert "The end date cannot be before the start date." in page.content.decode()
    assert export.status_code == 400
    assert "submitted_to" in export.json()


# --- Weekly status ---------------------------------------------------------------------------------------------


def test_status_list_filters_sorts_and_exports_the_week(org_a: OrgWorld) -> None:
    first = lifecycle_project(org_a, code="ST-A")
    lifecycle_project(org_a, code="ST-B")
    monday = current_week_start(organization=org_a.organization)
    with org_a.ctx():
        report = status_services.status_report_start(
            organization=org_a.organization, actor=org_a.users["manager"], project=first
        )
        status_services.status_report_submit(
            organization=org_a.organization,
            actor=org_a.users["manager"],
            report=report,
            version=report.version,
            percent_complete=Decimal(40),
            actual_cost=Decimal(10),
            rag_overall="amber",
            rag_schedule="amber",
            rag_justification="Agreed with the sponsor.",
        )
    client = client_for(org_a.users["pmo"])
    path = url(org_a, "status/")

    everyone = client.get(path).context["rows"]
    submitted = client.get(path, {"state": "submitted"}).context["rows"]
    # Not started yet, or missing once past the due time of this week.
    not_started = (
        client.get(path, {"state": "none"}).context["rows"] + client.get(path, {"state": "missing"}).context["rows"]
    )
    descending = client.get(path, {"sort": "-project"}).context["rows"]
    searched = client.get(path, {"search": "st-b"}).context["rows"]
    table = csv_table(client.get(path, {"format": "csv"}))
    last_week = week_label(monday - dt.timedelta(days=7))
    missing = csv_table(client.get(path, {"week": last_week, "state": "missing", "format": "csv"}))

    assert [row.project.code for row in submitted] == ["ST-A"]
    assert "ST-A" not in [row.project.code for row in not_started] and "ST-B" in [r.project.code for r in not_started]
    assert [row.project.code for row in descending] == [row.project.code for row in everyone][::-1]
    assert [row.project.code for row in searched] == ["ST-B"]
    assert column(table, "Project code") == [row.project.code for row in everyone]
    assert set(column(table, "Week")) == {week_label(monday)}
    line = dict(zip(table[0], table[1 + column(table, "Project code").index("ST-A")], strict=True))
    assert (line["State"], line["Overall"], line["Schedule"], line["Cost"]) == ("Submitted", "Amber", "Amber", "Green")
    assert line["Percent complete"] == "40.00"
    assert len(missing) == 1 + len(everyone)  # nobody reported last week, and it is past due
    assert set(column(missing, "State")) == {"Missing"}


def test_status_list_bad_week_is_named_and_not_exported(org_a: OrgWorld) -> None:
    client = client_for(org_a.users["pmo"])

    page = client.get(url(org_a, "status/"), {"week": "soon"})
    export = client.get(url(org_a, "status/"), {"week": "soon", "format": "xlsx"})

    assert page.status_code == 200 and "ISO week" in page.content.decode()
    assert export.status_code == 400 and "week" in export.json()


def test_status_tab_draws_the_rag_trend_of_submitted_weeks(org_a: OrgWorld) -> None:
    project = lifecycle_project(org_a, code="TR-1")
    monday = current_week_start(organization=org_a.organization)
    client = client_for(org_a.users["manager"])
    empty = client.get(url(org_a, f"projects/{project.pk}/status/")).content.decode()
    with org_a.ctx():
        for weeks_ago, rag in ((2, "red"), (1, "green")):
            report = status_services.status_report_start(
                organization=org_a.organization,
                actor=org_a.users["manager"],
                project=project,
                week_start=monday - dt.timedelta(days=7 * weeks_ago),
            )
            status_services.status_report_submit(
                organization=org_a.organization,
                actor=org_a.users["manager"],
                report=report,
                version=report.version,
                percent_complete=Decimal(10),
                actual_cost=Decimal(1),
                rag_overall=rag,
                rag_justification="Agreed with the sponsor.",
            )

    html = client.get(url(org_a, f"projects/{project.pk}/status/")).content.decode()

    assert "No submitted report in the last 12 weeks" in empty
    trend = html[html.index('data-testid="rag-trend"') :]
    trend = trend[: trend.index("</figure>")]
    assert trend.count('class="rag-cell ') == 12
    assert trend.count("rag-cell rag-red") == 1 and trend.count("rag-cell rag-green") == 1
    assert week_label(monday - dt.timedelta(days=14)) in trend


# --- Knowledge -------------------------------------------------------------------------------------------------


def test_knowledge_export_follows_search_kind_and_sort(org_a: OrgWorld) -> None:
    for i in range(53):
        make_article(org_a, title=f"Guide {i:02d}", kind="guide", tags=["质量"] if i % 2 else [])
    make_article(org_a, title="风险 standard", kind="standard")
    client = client_for(org_a.users["viewer"])
    path = url(org_a, "knowledge/")

    listed = all_pages(client, path, {"kind": "guide", "sort": "-title"}, "articles")
    table = csv_table(client.get(path, {"kind": "guide", "sort": "-title", "format": "csv"}))
    tagged = csv_table(client.get(path, {"tag": "质量", "format": "csv"}))
    searched = csv_table(client.get(path, {"q": "风险", "format": "csv"}))

    assert len(listed) == 53 and listed[0].title == "Guide 52"
    assert table[0][:3] == ["Title", "Kind", "Category"]
    assert column(table, "Title") == [a.title for a in listed]
    assert set(column(table, "Kind")) == {"Guide"}
    assert column(table, "Link")[0].endswith(f"/o/{org_a.slug}/knowledge/{listed[0].pk}/")
    assert len(tagged) == 1 + 26 and set(column(tagged, "Tags")) == {"质量"}
    assert column(searched, "Title") == ["风险 standard"]


def test_knowledge_export_hides_other_peoples_drafts(org_a: OrgWorld) -> None:
    make_article(org_a, "member", title="My draft", published=False)
    make_article(org_a, "pmo", title="Published")

    mine = column(csv_table(client_for(org_a.users["member"]).get(url(org_a, "knowledge/?format=csv"))), "Title")
    theirs = column(csv_table(client_for(org_a.users["viewer"]).get(url(org_a, "knowledge/?format=csv"))), "Title")

    assert set(mine) == {"My draft", "Published"}
    assert theirs == ["Published"]


# --- Portfolio section -----------------------------------------------------------------------------------------


def test_portfolio_lists_filter_and_sort(org_a: OrgWorld) -> None:
    intake = build_intake(org_a)
    with org_a.ctx():
        big = PortfolioFactory(organization=org_a.organization, name="Zeta growth", owner=org_a.users["executive"])
        ProjectFactory(organization=org_a.organization, portfolio=big, code="Z-1", budget_at_completion=10**7)
        ProgrammeFactory(organization=org_a.organization, portfolio=big, name="Zeta programme")
        ObjectiveFactory(organization=org_a.organization, code="OBJ-M", name="Grow exports", active=False)
    client = client_for(org_a.users["pmo"])

    portfolios = client.get(url(org_a, "portfolios/"), {"sort": "-budget"}).context["portfolios"]
    owned = client.get(url(org_a, "portfolios/"), {"person": org_a.users["executive"].pk}).context["portfolios"]
    programmes = client.get(url(org_a, "programmes/"), {"portfolio": big.pk}).context["programmes"]
    inactive = client.get(url(org_a, "objectives/"), {"active": "0"}).context["objectives"]
    by_code = client.get(url(org_a, "objectives/"), {"sort": "-code"}).context["objectives"]
    queue = client.get(url(org_a, "intake/"), {"status": "submitted"}).context["requests"]
    queue_search = client.get(url(org_a, "intake/"), {"search": intake.draft.code}).context["requests"]
    by_title = client.get(url(org_a, "intake/"), {"sort": "title"}).context["requests"]
    served = client.get(url(org_a, "intake/"), {"objective": intake.objective.pk}).context["requests"]

    assert portfolios[0].name == "Zeta growth"
    assert [p.name for p in owned] == ["Zeta growth"]
    assert [p.name for p in programmes] == ["Zeta programme"]
    assert [o.code for o in inactive] == ["OBJ-M"]
    assert [o.code for o in by_code] == sorted((o.code for o in by_code), reverse=True)
    assert [r.title for r in queue] == ["Submitted"]
    assert [r.title for r in queue_search] == ["Draft"]
    assert [r.title for r in by_title] == ["Draft", "In review", "Submitted"]
    assert [r.title for r in served] == ["Draft"]


def test_pipeline_sorts_totals_the_filtered_list_and_ranks_across_pages(org_a: OrgWorld) -> None:
    build_intake(org_a)
    for i in range(52):
        new_request(org_a, "submitted", title=f"Wave {i:02d}", estimated_cost=Decimal(1000 * (i + 1)))
    client = client_for(org_a.users["pmo"])
    path = url(org_a, "intake/pipeline/")

    ranked = all_pages(client, path, {}, "requests")
    by_cost = client.get(path, {"sort": "-cost"})
    second = client.get(path, {"page": "2"}).content.decode()
    table = csv_table(client.get(path, {"format": "csv"}))
    in_review = client.get(path, {"status": "in_review"}).context

    assert len(ranked) == 54 and ranked[0].title == "In review"  # the only scored one ranks first
    costs = [r.estimated_cost for r in by_cost.context["requests"]]
    assert costs == sorted(costs, reverse=True) and costs[0] > costs[-1]
    assert by_cost.context["totals"]["count"] == 54
    assert '<td class="rank">51</td>' in second  # the rank goes on across pages
    assert column(table, "Rank") == [str(n) for n in range(1, 55)]
    assert column(table, "Title") == [r.title for r in ranked]
    assert in_review["totals"]["count"] == 1 and in_review["totals"]["unscored"] == 0


PORTFOLIO_EXPORTS: dict[str, tuple[str, str, list[str]]] = {
    "portfolios": ("portfolios/", "portfolios", ["Portfolio", "Owner", "Programmes", "Projects"]),
    "programmes": ("programmes/", "programmes", ["Programme", "Portfolio", "Manager", "Projects"]),
    "objectives": ("objectives/", "objectives", ["Code", "Objective", "Weight", "Requests"]),
    "queue": ("intake/", "requests", ["Number", "Title", "Status", "Sponsor"]),
    "pipeline": ("intake/pipeline/", "requests", ["Rank", "Number", "Title", "Status"]),
}


@pytest.mark.parametrize("name", list(PORTFOLIO_EXPORTS))
def test_portfolio_exports_have_the_listed_rows_and_readable_headers(org_a: OrgWorld, name: str) -> None:
    build_intake(org_a)
    path, key, headers = PORTFOLIO_EXPORTS[name]
    client = client_for(org_a.users["pmo"])

    listed = client.get(url(org_a, path)).context[key]
    table = csv_table(client.get(url(org_a, path), {"format": "csv"}))
    sheet = xlsx_table(client.get(url(org_a, path), {"format": "xlsx"}))
    with translation.override("zh-hans"):
        chinese = csv_table(client_for(org_a.users["pmo"], "zh-hans").get(url(org_a, path), {"format": "csv"}))

    assert table[0][: len(headers)] == headers
    assert len(table) - 1 == len(listed) > 0
    assert list(sheet[0]) == table[0] and len(sheet) == len(table)
    # Every header in Chinese ("Rank" is new: the translator's next run adds it).
    assert not (set(headers) - {"Rank"}) & set(chinese[0])


# --- Tenancy, roles and query counts ---------------------------------------------------------------------------

LISTS = {
    "changes": "changes/",
    "status": "status/",
    "knowledge": "knowledge/",
    "portfolios": "portfolios/",
    "programmes": "programmes/",
    "objectives": "objectives/",
    "queue": "intake/",
    "pipeline": "intake/pipeline/",
}


def seed_everything(world: OrgWorld, size: int, tag: str) -> None:
    """``size`` rows in every list of ``world``, titled with ``tag`` so that leaks show."""
    build_intake(world)
    for i in range(size):
        project = cr_project(world, code=f"{tag}-{i}")
        raise_cr(world, project, title=f"{tag} change {i}")
        make_article(world, title=f"{tag} article {i}")
        new_request(world, "submitted", title=f"{tag} request {i}")
        with world.ctx():
            portfolio = PortfolioFactory(organization=world.organization, name=f"{tag} portfolio {i}")
            ProgrammeFactory(organization=world.organization, portfolio=portfolio, name=f"{tag} programme {i}")
            ObjectiveFactory(organization=world.organization, code=f"{tag}{i}", name=f"{tag} objective {i}")


def test_another_organisations_rows_never_appear_and_its_users_get_404(org_a: OrgWorld, org_b: OrgWorld) -> None:
    seed_everything(org_a, 1, "LEAKX")
    seed_everything(org_b, 1, "OWNX")
    own = client_for(org_b.users["pmo"])
    stranger = client_for(org_b.users["admin"])

    for name, path in LISTS.items():
        for fmt in ("", "csv", "xlsx"):
            assert stranger.get(url(org_a, path), {"format": fmt} if fmt else {}).status_code == 404, (name, fmt)
        exported = own.get(url(org_b, path), {"format": "csv"}).content.decode("utf-8")
        page = own.get(url(org_b, path)).content.decode()
        assert "LEAKX" not in exported and "LEAKX" not in page, name
        assert "OWNX" in exported, name


ALLOWED = {
    "changes": set(ROLES),
    "status": set(ROLES),
    "knowledge": set(ROLES),
    "portfolios": VIEWERS,
    "programmes": VIEWERS,
    "objectives": VIEWERS,
    "queue": VIEWERS,
    "pipeline": VIEWERS,
}


@pytest.mark.parametrize("name", list(LISTS))
def test_who_may_open_a_list_may_export_it_and_nobody_else(org_a: OrgWorld, name: str) -> None:
    pages, exports = {}, {}
    for role in ROLES:
        client = client_for(org_a.users[role])
        pages[role] = client.get(url(org_a, LISTS[name])).status_code
        exports[role] = client.get(url(org_a, LISTS[name]), {"format": "xlsx"}).status_code

    assert exports == pages
    assert {role for role, status in pages.items() if status == 200} == ALLOWED[name]
    assert set(pages.values()) <= {200, 403}
    assert client_for(org_a.users["pmo"]).get(url(org_a, LISTS[name]), {"format": "pdf"}).status_code == 400


BOUNDS = {
    "changes": (17, 15),
    "status": (16, 14),
    "knowledge": (17, 15),
    "portfolios": (14, 12),
    "programmes": (15, 13),
    "objectives": (14, 12),
    "queue": (17, 14),
    "pipeline": (18, 15),
}


@pytest.mark.parametrize("size", [2, 12])
@pytest.mark.parametrize("name", list(LISTS))
def test_page_and_export_queries_do_not_grow(
    org_a: OrgWorld, django_assert_max_num_queries: Callable[..., Any], name: str, size: int
) -> None:
    seed_everything(org_a, size, "Q")
    client = client_for(org_a.users["pmo"])
    page_bound, export_bound = BOUNDS[name]

    with django_assert_max_num_queries(page_bound):
        assert client.get(url(org_a, LISTS[name])).status_code == 200
    with django_assert_max_num_queries(export_bound):
        assert client.get(url(org_a, LISTS[name]), {"format": "csv"}).status_code == 200


def test_the_filter_bar_labels_every_control_and_keeps_the_sort_in_the_export_links(org_a: OrgWorld) -> None:
    change_requests(org_a, 2)
    html = client_for(org_a.users["pmo"]).get(url(org_a, "changes/"), {"sort": "-cost", "page": "1"}).content.decode()

    bar = html[html.index('data-testid="change-filters"') : html.index("</form>", html.index("change-filters"))]
    for field in ("search", "status", "change_type", "project", "portfolio", "submitted_from", "sort"):
        assert f'<label for="filter_{field}">' in bar, field
    assert 'href="?sort=-cost&amp;format=csv"' in html
    assert 'aria-sort="descending"' in html and 'data-sort="cost"' in html
