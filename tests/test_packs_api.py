"""Report packs in the API: who lists, reads, generates and downloads which report; another organisation's users
get 404 and change nothing; bad input is a 400 with field errors; the PDF endpoint answers 202 → 200 (409 when
rendering failed); subscriptions and schedules; the list's query count does not grow with its rows."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

import reports.pdf
from reports.models import Report, ReportKind, ReportSchedule, ReportSubscription
from reports.packs.schedules import report_schedules_install_defaults
from tests.conftest import ROLES, OrgWorld
from tests.factories_packs import FakeRenderer, ReportFactory, ReportSubscriptionFactory

pytestmark = pytest.mark.django_db

LEADERSHIP = {"admin", "pmo", "executive"}
GOVERNANCE = {"admin", "pmo"}


@pytest.fixture
def renderer(monkeypatch: pytest.MonkeyPatch) -> FakeRenderer:
    fake = FakeRenderer()
    monkeypatch.setattr(reports.pdf, "render_report", fake)
    return fake


def base(world: OrgWorld) -> str:
    return f"/api/v1/orgs/{world.slug}"


def stored(world: OrgWorld) -> list[tuple[Any, ...]]:
    """Everything a refused request could have changed."""
    with world.ctx():
        return [
            *Report.objects.order_by("pk").values_list("pk", "generation", "state", "period"),
            *ReportSubscription.objects.order_by("pk").values_list("pk", "user_id", "kind"),
            *ReportSchedule.objects.order_by("pk").values_list("pk", "weekday", "time", "enabled", "version"),
        ]


def make_reports(world: OrgWorld) -> dict[str, Any]:
    org = world.organization
    return {
        "weekly": ReportFactory(organization=org, kind=ReportKind.WEEKLY_PACK),
        "monthly": ReportFactory(organization=org, kind=ReportKind.MONTHLY_REVIEW, period="2025-10"),
        "onepager0": ReportFactory(
            organization=org, kind=ReportKind.PROJECT_ONEPAGER, period="2025-W40", project=world.projects[0]
        ),
        "onepager1": ReportFactory(
            organization=org, kind=ReportKind.PROJECT_ONEPAGER, period="2025-W40", project=world.projects[1]
        ),
        "closure2": ReportFactory(organization=org, kind=ReportKind.CLOSURE, period="", project=world.projects[2]),
    }


# Which of make_reports() each role may read: leadership all; the others the projects they can see.
VISIBLE = {
    **dict.fromkeys(LEADERSHIP, frozenset({"weekly", "monthly", "onepager0", "onepager1", "closure2"})),
    "manager": {"onepager0"},
    "member": {"onepager0"},
    "viewer": {"onepager1"},
}


def test_list_and_read_follow_the_role_and_the_project(
    org_a: OrgWorld, org_b: OrgWorld, api_client: Callable[[Any], Any]
) -> None:
    made = make_reports(org_a)
    names = {report.pk: name for name, report in made.items()}
    for role in ROLES:
        client = api_client(org_a.users[role])
        listed = client.get(f"{base(org_a)}/reports/")
        assert listed.status_code == 200, role
        assert {names[row["id"]] for row in listed.json()["results"]} == VISIBLE[role], role
        assert all("pdf" not in row for row in listed.json()["results"])
        for name, report in made.items():
            expected = 200 if name in VISIBLE[role] else 404
            assert client.get(f"{base(org_a)}/reports/{report.pk}/").status_code == expected, (role, name)
            assert client.get(f"{base(org_a)}/reports/{report.pk}/pdf/").status_code == expected, (role, name)
        outsider = api_client(org_b.users[role])
        assert outsider.get(f"{base(org_a)}/reports/").status_code == 404
        assert outsider.get(f"{base(org_a)}/reports/{made['weekly'].pk}/").status_code == 404
        # Their own organisation's URL with our report's id: not found either.
        assert outsider.get(f"{base(org_b)}/reports/{made['onepager0'].pk}/pdf").status_code == 404


def test_list_filters_and_output(org_a: OrgWorld, api_client: Callable[[Any], Any]) -> None:
    made = make_reports(org_a)
    client = api_client(org_a.users["pmo"])
    rows = client.get(f"{base(org_a)}/reports/?kind=monthly_review").json()["results"]
    assert [row["id"] for row in rows] == [made["monthly"].pk]
    assert rows[0]["period_label"] == "October 2025" and rows[0]["has_pdf"] is True and rows[0]["project"] is None
    rows = client.get(f"{base(org_a)}/reports/?project={org_a.projects[0].pk}").json()["results"]
    assert [(row["id"], row["project"]["code"]) for row in rows] == [(made["onepager0"].pk, "ALPHA-0")]
    assert client.get(f"{base(org_a)}/reports/?state=failed").json()["results"] == []
    bad = client.get(f"{base(org_a)}/reports/?kind=yearly&state=lost")
    assert bad.status_code == 400 and set(bad.json()) == {"kind", "state"}


def test_generate_matrix_for_the_organisation_packs(
    org_a: OrgWorld,
    org_b: OrgWorld,
    api_client: Callable[[Any], Any],
    renderer: FakeRenderer,
    django_capture_on_commit_callbacks: Any,
) -> None:
    for role in ROLES:
        before = stored(org_a)
        with django_capture_on_commit_callbacks(execute=True):
            answer = api_client(org_a.users[role]).post(
                f"{base(org_a)}/reports/generate/", {"kind": "weekly_pack", "period": "2025-W30"}, format="json"
            )
        if role in GOVERNANCE:
            assert answer.status_code == 202, role
            body = answer.json()
            assert (body["kind"], body["period"], body["state"]) == ("weekly_pack", "2025-W30", "pending")
        else:
            assert answer.status_code == 403, role
            assert stored(org_a) == before
        outsider = api_client(org_b.users[role]).post(
            f"{base(org_a)}/reports/generate/", {"kind": "weekly_pack"}, format="json"
        )
        assert outsider.status_code == 404
    with org_a.ctx():
        report = Report.objects.get()
    # admin then pmo asked for the same period: one row, second generation, rendered.
    assert (report.generation, report.state, report.requested_by_id) == (2, "ready", org_a.users["pmo"].pk)


def test_a_project_report_needs_only_read_access_to_the_project(
    org_a: OrgWorld, org_b: OrgWorld, api_client: Callable[[Any], Any]
) -> None:
    url = f"{base(org_a)}/reports/generate/"
    mine = org_a.projects[0].pk
    for role in ROLES:
        answer = api_client(org_a.users[role]).post(url, {"kind": "project_onepager", "project": mine}, format="json")
        assert answer.status_code == (400 if role == "viewer" else 202), role
    before = stored(org_a)
    missing = api_client(org_a.users["pmo"]).post(url, {"kind": "closure", "project": 999999}, format="json")
    foreign = api_client(org_a.users["pmo"]).post(
        url, {"kind": "closure", "project": org_b.projects[0].pk}, format="json"
    )
    assert missing.status_code == foreign.status_code == 400
    assert missing.json() == foreign.json() == {"project": ["Choose a project you can see."]}
    assert stored(org_a) == before
    with org_a.ctx():
        assert list(Report.objects.values_list("kind", "project_id", "generation")) == [("project_onepager", mine, 5)]


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({}, {"kind"}),
        ({"kind": "yearly"}, {"kind"}),
        ({"kind": "weekly_pack", "period": "last week"}, {"period"}),
        ({"kind": "monthly_review", "period": "2025-W01"}, {"period"}),
        ({"kind": "weekly_pack", "period": "2999-W01"}, {"period"}),
        ({"kind": "project_onepager"}, {"project"}),
        ({"kind": "project_onepager", "project": "abc"}, {"project"}),
        ({"kind": "weekly_pack", "project": "__own__"}, {"project"}),
    ],
)
def test_bad_input_is_a_400_that_changes_nothing(
    org_a: OrgWorld, api_client: Callable[[Any], Any], body: dict[str, Any], fields: set[str]
) -> None:
    if body.get("project") == "__own__":
        body = {**body, "project": org_a.projects[0].pk}
    before = stored(org_a)
    answer = api_client(org_a.users["pmo"]).post(f"{base(org_a)}/reports/generate/", body, format="json")
    assert answer.status_code == 400
    assert set(answer.json()) == fields
    assert stored(org_a) == before


def test_the_pdf_endpoint_answers_202_then_200_and_409_when_failed(
    org_a: OrgWorld, api_client: Callable[[Any], Any], renderer: FakeRenderer, django_capture_on_commit_callbacks: Any
) -> None:
    client = api_client(org_a.users["manager"])
    with django_capture_on_commit_callbacks(execute=False) as queued:
        answer = client.post(
            f"{base(org_a)}/reports/generate/",
            {"kind": "project_onepager", "project": org_a.projects[0].pk, "period": "2025-W40"},
            format="json",
        )
    report_id = answer.json()["id"]
    pending = client.get(f"{base(org_a)}/reports/{report_id}/pdf/")
    assert pending.status_code == 202
    assert pending.json()["state"] == "pending" and pending.json()["generation"] == 1
    for callback in queued:
        callback()
    for url in (f"{base(org_a)}/reports/{report_id}/pdf/", f"{base(org_a)}/reports/{report_id}/pdf"):
        ready = client.get(url, HTTP_ACCEPT="application/pdf")
        assert ready.status_code == 200, url
        assert ready["Content-Type"] == "application/pdf"
        assert ready["Content-Disposition"] == 'inline; filename="alpha-project-onepager-alpha-0-2025-w40.pdf"'
        assert ready.content.startswith(b"%PDF")

    failed = ReportFactory(organization=org_a.organization, state=Report.State.FAILED, pdf=None, error="No data.")
    answer = api_client(org_a.users["pmo"]).get(f"{base(org_a)}/reports/{failed.pk}/pdf/")
    assert answer.status_code == 409 and answer.json()["detail"] == "No data."


def test_a_report_being_regenerated_still_serves_its_previous_pdf(
    org_a: OrgWorld, api_client: Callable[[Any], Any], django_capture_on_commit_callbacks: Any
) -> None:
    old: Any = ReportFactory(organization=org_a.organization, period="2025-W20")
    client = api_client(org_a.users["pmo"])
    with django_capture_on_commit_callbacks(execute=False):
        again = client.post(
            f"{base(org_a)}/reports/generate/", {"kind": "weekly_pack", "period": "2025-W20"}, format="json"
        )
    assert (again.status_code, again.json()["id"], again.json()["generation"]) == (202, old.pk, 2)
    served = client.get(f"{base(org_a)}/reports/{old.pk}/pdf/")
    assert served.status_code == 200 and served.content == bytes(old.pdf)


def test_subscriptions(org_a: OrgWorld, org_b: OrgWorld, api_client: Callable[[Any], Any]) -> None:
    url = f"{base(org_a)}/subscriptions/"
    for role in ROLES:
        client = api_client(org_a.users[role])
        before = stored(org_a)
        created = client.post(url, {"kind": "weekly_pack"}, format="json")
        if role not in LEADERSHIP:
            assert created.status_code == 403 and client.get(url).status_code == 403
            assert stored(org_a) == before
            continue
        assert created.status_code == 201
        assert client.post(url, {"kind": "weekly_pack"}, format="json").status_code == 200
        assert [row["kind"] for row in client.get(url).json()["results"]] == ["weekly_pack"]
        assert client.post(url, {"kind": "closure"}, format="json").status_code == 400
    theirs = ReportSubscriptionFactory(organization=org_a.organization, user=org_a.users["pmo"], kind="monthly_review")
    executive = api_client(org_a.users["executive"])
    before = stored(org_a)
    assert executive.delete(f"{url}{theirs.pk}/").status_code == 404  # another user's subscription
    for role in ROLES:
        assert api_client(org_b.users[role]).delete(f"{url}{theirs.pk}/").status_code == 404
        assert api_client(org_b.users[role]).post(url, {"kind": "weekly_pack"}, format="json").status_code == 404
    assert stored(org_a) == before
    own = executive.get(url).json()["results"][0]["id"]
    assert executive.delete(f"{url}{own}/").status_code == 204
    assert executive.get(url).json()["count"] == 0


def test_schedules(org_a: OrgWorld, org_b: OrgWorld, api_client: Callable[[Any], Any]) -> None:
    with org_a.ctx():
        report_schedules_install_defaults(organization=org_a.organization)
        weekly = ReportSchedule.objects.get(kind="weekly_pack")
    url = f"{base(org_a)}/report-schedules/"
    for role in ROLES:
        listed = api_client(org_a.users[role]).get(url)
        assert listed.status_code == (200 if role in LEADERSHIP else 403), role
        before = stored(org_a)
        patched = api_client(org_a.users[role]).patch(f"{url}{weekly.pk}/", {"weekday": 2}, format="json")
        if role in GOVERNANCE:
            assert patched.status_code == 200
        else:
            assert patched.status_code == 403, role
            assert stored(org_a) == before
        assert (
            api_client(org_b.users[role]).patch(f"{url}{weekly.pk}/", {"weekday": 3}, format="json").status_code == 404
        )
    pmo = api_client(org_a.users["pmo"])
    assert [row["kind"] for row in pmo.get(url).json()["results"]] == ["monthly_review", "weekly_pack"]
    current = pmo.get(f"{url}{weekly.pk}/").json()
    assert (current["weekday"], current["version"]) == (2, 2)  # the admin changed it, the PMO's same value kept it
    before = stored(org_a)
    for body, field in (({"weekday": 9}, "weekday"), ({"time": "25:00"}, "time"), ({}, "detail")):
        answer = pmo.patch(f"{url}{weekly.pk}/", body, format="json")
        assert answer.status_code == 400 and field in answer.json()
    stale = pmo.patch(f"{url}{weekly.pk}/", {"weekday": 5, "version": 1}, format="json")
    assert stale.status_code == 409
    assert stored(org_a) == before
    moved = pmo.patch(f"{url}{weekly.pk}/", {"time": "07:30", "enabled": False, "version": 2}, format="json")
    assert (moved.status_code, moved.json()["time"], moved.json()["enabled"], moved.json()["version"]) == (
        200,
        "07:30:00",
        False,
        3,
    )


def test_the_list_costs_the_same_queries_at_two_sizes(org_a: OrgWorld, api_client: Callable[[Any], Any]) -> None:
    clients = {role: api_client(org_a.users[role]) for role in ("pmo", "manager")}
    for client in clients.values():
        client.get(f"{base(org_a)}/reports/")  # a token's first use records it; not part of the list's cost

    def add(count: int, first_week: int) -> None:
        for week in range(first_week, first_week + count):
            ReportFactory(
                organization=org_a.organization,
                kind=ReportKind.PROJECT_ONEPAGER,
                project=org_a.projects[0],
                period=f"2024-W{week:02d}",
            )

    def measure() -> dict[str, int]:
        counts = {}
        for role, client in clients.items():
            with CaptureQueriesContext(connection) as queries:
                answer = client.get(f"{base(org_a)}/reports/")
            assert answer.status_code == 200
            counts[role] = len(queries)
            assert len(answer.json()["results"]) == answer.json()["count"]
        return counts

    add(2, 1)
    small = measure()
    add(10, 3)
    large = measure()
    assert small == large
    assert max(large.values()) <= 10
