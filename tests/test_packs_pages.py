"""The Reports page and the PDF page: who sees which report and form, another organisation's users get 404 and
change nothing, refused or bad posts render the page again with the reason and change nothing, the PDF is served
with its name (202 page while rendering, 409 when it failed), and the page costs the same queries at two sizes."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

import reports.pdf
from reports.models import Report, ReportKind, ReportSchedule
from reports.packs.schedules import report_schedules_install_defaults
from tests.conftest import ROLES, OrgWorld
from tests.factories import PASSWORD
from tests.factories_packs import FakeRenderer, ReportFactory
from tests.test_packs_api import GOVERNANCE, LEADERSHIP, VISIBLE, make_reports, stored

pytestmark = pytest.mark.django_db


def client_for(user: Any) -> Client:
    client = Client()
    assert client.login(username=user.email, password=PASSWORD)
    return client


def page_url(world: OrgWorld) -> str:
    return f"/o/{world.slug}/reports/"


def test_the_page_lists_what_each_role_may_read(org_a: OrgWorld, org_b: OrgWorld) -> None:
    with org_a.ctx():
        report_schedules_install_defaults(organization=org_a.organization)
    made = make_reports(org_a)
    for role in ROLES:
        answer = client_for(org_a.users[role]).get(page_url(org_a))
        assert answer.status_code == 200, role
        html = answer.content.decode()
        shown = {name for name, report in made.items() if f'data-testid="report-row-{report.pk}"' in html}
        assert shown == VISIBLE[role], role
        assert ('data-testid="schedules-card"' in html) is (role in LEADERSHIP)
        assert ('data-testid="schedule-save-weekly_pack"' in html) is (role in GOVERNANCE)
        assert ('name="weekday"' in html and 'name="day_of_month"' in html) is (role in GOVERNANCE)
        assert ('data-testid="subscribe-weekly_pack"' in html) is (role in LEADERSHIP)
        # The generate form offers the organisation's packs to the PMO only.
        assert ('<option value="weekly_pack"' in html) is (role in GOVERNANCE), role
        assert '<option value="project_onepager"' in html
        for name, report in made.items():
            expected = 200 if name in VISIBLE[role] else 404
            pdf = client_for(org_a.users[role]).get(f"/o/{org_a.slug}/reports/{report.pk}/pdf")
            assert pdf.status_code == expected, (role, name)
        assert client_for(org_b.users[role]).get(page_url(org_a)).status_code == 404
        assert client_for(org_b.users[role]).get(f"/o/{org_a.slug}/reports/{made['weekly'].pk}/pdf").status_code == 404
        assert client_for(org_b.users[role]).get(f"/o/{org_b.slug}/reports/{made['weekly'].pk}/pdf").status_code == 404


def test_the_pdf_page(org_a: OrgWorld) -> None:
    ready: Any = ReportFactory(organization=org_a.organization, kind=ReportKind.MONTHLY_REVIEW, period="2025-10")
    pending = ReportFactory(organization=org_a.organization, state=Report.State.RENDERING, pdf=None, pages=None)
    failed = ReportFactory(organization=org_a.organization, state=Report.State.FAILED, pdf=None, error="No data here.")
    client = client_for(org_a.users["executive"])
    answer = client.get(f"/o/{org_a.slug}/reports/{ready.pk}/pdf")
    assert answer.status_code == 200 and answer["Content-Type"] == "application/pdf"
    assert answer["Content-Disposition"] == 'inline; filename="alpha-monthly-review-2025-10.pdf"'
    assert answer.content == bytes(ready.pdf)
    waiting = client.get(f"/o/{org_a.slug}/reports/{pending.pk}/pdf")
    assert waiting.status_code == 202
    assert b'http-equiv="refresh"' in waiting.content and b"Rendering" in waiting.content
    broken = client.get(f"/o/{org_a.slug}/reports/{failed.pk}/pdf")
    assert broken.status_code == 409 and b"No data here." in broken.content and b"refresh" not in broken.content
    assert client.get(f"/o/{org_a.slug}/reports/{ready.pk + 999}/pdf").status_code == 404


def test_generate_from_the_page(
    org_a: OrgWorld, org_b: OrgWorld, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    monkeypatch.setattr(reports.pdf, "render_report", FakeRenderer())
    url = page_url(org_a)
    with django_capture_on_commit_callbacks(execute=True):
        answer = client_for(org_a.users["pmo"]).post(
            url, {"action": "generate", "kind": "monthly_review", "period": "2025-10"}
        )
    assert answer.status_code == 302 and answer["Location"] == url
    with org_a.ctx():
        report = Report.objects.get()
    assert (report.kind, report.period, report.state) == ("monthly_review", "2025-10", "ready")

    before = stored(org_a)
    # The kind is not offered to a manager: the form refuses it (400), nothing is created.
    refused = client_for(org_a.users["manager"]).post(url, {"action": "generate", "kind": "weekly_pack"})
    assert refused.status_code == 400
    bad = client_for(org_a.users["pmo"]).post(url, {"action": "generate", "kind": "weekly_pack", "period": "soon"})
    assert bad.status_code == 400 and "Give the week as an ISO week" in bad.content.decode()
    hidden = client_for(org_a.users["viewer"]).post(
        url, {"action": "generate", "kind": "project_onepager", "project": org_a.projects[0].pk}
    )
    assert hidden.status_code == 400  # not a project the viewer can see
    for role in ROLES:
        outsider = client_for(org_b.users[role]).post(url, {"action": "generate", "kind": "monthly_review"})
        assert outsider.status_code == 404
    assert client_for(org_a.users["pmo"]).post(url, {"action": "explode"}).status_code == 400
    assert stored(org_a) == before

    ok = client_for(org_a.users["member"]).post(
        url, {"action": "generate", "kind": "project_onepager", "project": org_a.projects[0].pk}
    )
    assert ok.status_code == 302
    with org_a.ctx():
        assert Report.objects.filter(kind="project_onepager", project=org_a.projects[0]).count() == 1


def test_schedules_and_subscriptions_from_the_page(org_a: OrgWorld, org_b: OrgWorld) -> None:
    with org_a.ctx():
        report_schedules_install_defaults(organization=org_a.organization)
        weekly = ReportSchedule.objects.get(kind="weekly_pack")
    url = page_url(org_a)
    body = {"action": "schedule", "schedule": weekly.pk, "enabled": "on", "weekday": 2, "time": "09:30", "version": 1}
    for role in ROLES:
        before = stored(org_a)
        if role not in GOVERNANCE:
            assert client_for(org_a.users[role]).post(url, body).status_code == 403, role
            assert client_for(org_a.users[role]).post(
                url, {"action": "subscribe", "kind": "weekly_pack"}
            ).status_code == (302 if role in LEADERSHIP else 403)
        assert client_for(org_b.users[role]).post(url, body).status_code == 404
        if role not in LEADERSHIP:
            assert stored(org_a) == before
    pmo = client_for(org_a.users["pmo"])
    assert pmo.post(url, body).status_code == 302
    with org_a.ctx():
        saved = ReportSchedule.objects.get(pk=weekly.pk)
    assert (saved.weekday, saved.time.strftime("%H:%M"), saved.version) == (2, "09:30", 2)
    before = stored(org_a)
    stale = pmo.post(url, {**body, "weekday": 4})  # still version 1
    assert stale.status_code == 409 and "Someone else changed this schedule" in stale.content.decode()
    bad = pmo.post(url, {**body, "time": "", "version": 2})
    assert bad.status_code == 400
    assert pmo.post(url, {**body, "schedule": 999999}).status_code == 404
    assert stored(org_a) == before
    assert pmo.post(url, {"action": "subscribe", "kind": "monthly_review"}).status_code == 302
    html = pmo.get(url).content.decode()
    assert 'data-testid="unsubscribe-monthly_review"' in html and 'data-testid="subscribe-weekly_pack"' in html
    assert pmo.post(url, {"action": "unsubscribe", "kind": "monthly_review"}).status_code == 302
    assert pmo.post(url, {"action": "subscribe", "kind": "closure"}).status_code == 400


def test_the_page_refreshes_only_while_something_renders(org_a: OrgWorld) -> None:
    ReportFactory(organization=org_a.organization)
    client = client_for(org_a.users["pmo"])
    assert b'data-testid="auto-refresh"' not in client.get(page_url(org_a)).content
    ReportFactory(organization=org_a.organization, state=Report.State.RENDERING, pdf=None)
    html = client.get(page_url(org_a)).content.decode()
    assert 'data-testid="auto-refresh"' in html and "rendering…" in html


def test_the_page_costs_the_same_queries_at_two_sizes(org_a: OrgWorld) -> None:
    with org_a.ctx():
        report_schedules_install_defaults(organization=org_a.organization)
    clients = {role: client_for(org_a.users[role]) for role in ("pmo", "manager")}

    def add(count: int, first_week: int) -> None:
        for week in range(first_week, first_week + count):
            ReportFactory(
                organization=org_a.organization,
                kind=ReportKind.PROJECT_ONEPAGER,
                project=org_a.projects[week % 2],
                period=f"2024-W{week:02d}",
            )

    def measure() -> dict[str, int]:
        counts = {}
        for role, client in clients.items():
            with CaptureQueriesContext(connection) as queries:
                assert client.get(page_url(org_a)).status_code == 200
            counts[role] = len(queries)
        return counts

    add(2, 1)
    small = measure()
    add(12, 3)
    large = measure()
    assert small == large
    assert max(large.values()) <= 25
