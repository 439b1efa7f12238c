"""Change-control pages: the project tab and its raise form, a change request's page with the forms of whoever may
act, the queue, the statistics; another organisation's users get 404 and change nothing; query counts do not grow
with the number of rows; Chinese pages."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from projects.models import Baseline, ChangeRequest, Project
from tests.conftest import ROLES, OrgWorld
from tests.test_changes_factories import bring_to, change_state, cr_project, raise_cr

S = ChangeRequest.Status


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def url(world: OrgWorld, path: str) -> str:
    return f"/o/{world.slug}/{path}"


def test_the_tab_lists_requests_and_offers_the_form_to_those_who_may_change(org_a: OrgWorld) -> None:
    project = cr_project(org_a)
    raise_cr(org_a, project, title="Extra sensors", cost=12_500, days=-3)

    manager_html = client_for(org_a.users["manager"]).get(url(org_a, f"projects/{project.pk}/changes/")).content
    member = client_for(org_a.users["member"]).get(url(org_a, f"projects/{project.pk}/changes/"))

    html = manager_html.decode()
    assert "CR-001" in html and "Extra sensors" in html and "+12,500.00" in html and "-3" in html
    assert 'data-testid="raise-form"' in html
    assert member.status_code == 200
    assert "Extra sensors" in member.content.decode()
    assert 'data-testid="raise-form"' not in member.content.decode()


def test_raising_opens_the_new_draft(org_a: OrgWorld) -> None:
    project = cr_project(org_a)
    client = client_for(org_a.users["manager"])

    response = client.post(
        url(org_a, f"projects/{project.pk}/changes/"),
        {
            "title": "Bigger server",
            "change_type": "cost",
            "description": "Double the memory.",
            "justification": "Load tests failed.",
            "cost_delta": "8000",
            "finish_delta_days": "0",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == url(org_a, f"projects/{project.pk}/changes/1/")
    page = client.get(response["Location"]).content.decode()
    assert "Bigger server" in page and 'data-testid="action-submit"' in page
    with org_a.ctx():
        stored = ChangeRequest.objects.get(project=project)
    assert (stored.status, stored.raised_by, stored.cost_delta) == (S.DRAFT, org_a.users["manager"], 8000)


def test_bad_input_comes_back_with_the_reason_and_nothing_saved(org_a: OrgWorld) -> None:
    project = cr_project(org_a)

    response = client_for(org_a.users["manager"]).post(
        url(org_a, f"projects/{project.pk}/changes/"),
        {"title": "", "change_type": "budget", "description": "x", "justification": "y", "cost_delta": "abc"},
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert "This field is required." in html and "Select a valid choice" in html
    with org_a.ctx():
        assert not ChangeRequest.objects.exists()


def test_member_and_viewer_cannot_raise(org_a: OrgWorld) -> None:
    project = cr_project(org_a)
    for role in ("member", "viewer", "executive"):
        response = client_for(org_a.users[role]).post(
            url(org_a, f"projects/{project.pk}/changes/"),
            {"title": "x", "change_type": "cost", "description": "x", "justification": "y", "cost_delta": "1"},
        )
        assert response.status_code == 403, role
    with org_a.ctx():
        assert not ChangeRequest.objects.exists()


ACTIONS = ("action-submit", "action-withdraw", "action-assess", "action-approve", "action-reject", "edit-form")


def forms_shown(world: OrgWorld, role: str, project: Project, number: int) -> set[str]:
    html = client_for(world.users[role]).get(url(world, f"projects/{project.pk}/changes/{number}/")).content.decode()
    return {
        name
        for name in (
            "action-submit",
            "action-withdraw",
            "action-assess",
            "action-approve",
            "action-reject",
            "edit-form",
        )
        if f'data-testid="{name}"' in html
    }


def test_each_role_sees_only_the_actions_it_may_take(org_a: OrgWorld) -> None:
    project = cr_project(org_a)
    cr = raise_cr(org_a, project, cost=50_000)  # controlling org, large: pmo then executive

    assert forms_shown(org_a, "manager", project, 1) == {"action-submit", "action-withdraw", "edit-form"}
    assert forms_shown(org_a, "executive", project, 1) == set()
    cr = bring_to(org_a, cr, "submitted")
    assert forms_shown(org_a, "pmo", project, 1) == {"action-assess", "action-reject", "action-withdraw"}
    assert forms_shown(org_a, "executive", project, 1) == set()
    assert forms_shown(org_a, "member", project, 1) == set()
    bring_to(org_a, cr, "assessed")
    assert forms_shown(org_a, "pmo", project, 1) == {"action-approve", "action-reject", "action-withdraw"}
    assert forms_shown(org_a, "executive", project, 1) == set()
    assert forms_shown(org_a, "manager", project, 1) == {"action-withdraw"}


def test_approving_through_the_page_links_the_new_baseline_and_the_comparison(org_a: OrgWorld) -> None:
    project = cr_project(org_a)
    bring_to(org_a, raise_cr(org_a, project, cost=50_000), "assessed")
    path = url(org_a, f"projects/{project.pk}/changes/1/")

    pmo = client_for(org_a.users["pmo"]).post(path + "approve/", {"note": "Fine by the PMO."})
    assert pmo.status_code == 302
    assert forms_shown(org_a, "executive", project, 1) == {"action-approve", "action-reject"}
    assert forms_shown(org_a, "pmo", project, 1) == {"action-withdraw"}
    executive = client_for(org_a.users["executive"])
    response = executive.post(path + "approve/", {"note": ""}, follow=True)

    html = response.content.decode()
    assert "the project now has baseline v2" in html
    assert f"/o/{org_a.slug}/projects/{project.pk}/baselines/2/" in html
    assert f"/o/{org_a.slug}/projects/{project.pk}/baselines/compare/?a=1&amp;b=2" in html
    assert "Fine by the PMO." in html
    with org_a.ctx():
        assert Baseline.objects.get(project=project, version=2).change_request_id == ChangeRequest.objects.get().pk


def test_a_refused_step_shows_why(org_a: OrgWorld) -> None:
    project = cr_project(org_a)
    bring_to(org_a, raise_cr(org_a, project, actor="pmo", cost=100), "assessed")
    path = url(org_a, f"projects/{project.pk}/changes/1/")
    before = change_state(org_a, project)

    own = client_for(org_a.users["pmo"]).post(path + "approve/", {"note": ""})
    no_note = client_for(org_a.users["admin"]).post(path + "reject/", {"note": " "})

    assert own.status_code == 403
    assert "someone else must decide it" in own.content.decode()
    assert no_note.status_code == 400
    assert "Say why the change request is rejected." in no_note.content.decode()
    assert change_state(org_a, project) == before


def test_a_second_approval_of_a_decided_request_is_409_with_the_reason(org_a: OrgWorld) -> None:
    project = cr_project(org_a)
    bring_to(org_a, raise_cr(org_a, project, cost=100), "approved")
    before = change_state(org_a, project)

    response = client_for(org_a.users["admin"]).post(
        url(org_a, f"projects/{project.pk}/changes/1/approve/"), {"note": ""}
    )

    assert response.status_code == 409
    assert "this step is not possible any more" in response.content.decode()
    assert change_state(org_a, project) == before


def test_a_stale_edit_is_409_and_loses_nothing(org_a: OrgWorld) -> None:
    project = cr_project(org_a)
    raise_cr(org_a, project, title="First")
    path = url(org_a, f"projects/{project.pk}/changes/1/edit/")
    body = {"title": "Second", "change_type": "cost", "description": "d", "justification": "j", "cost_delta": "1",
            "finish_delta_days": "0", "version": "1"}  # fmt: skip
    assert client_for(org_a.users["manager"]).post(path, body).status_code == 302

    response = client_for(org_a.users["pmo"]).post(path, {**body, "title": "Third"})

    assert response.status_code == 409
    with org_a.ctx():
        assert ChangeRequest.objects.get().title == "Second"


def test_the_queue_filters_and_shows_what_awaits_me(org_a: OrgWorld) -> None:
    one, two = cr_project(org_a, code="Q-1"), cr_project(org_a, code="Q-2")
    bring_to(org_a, raise_cr(org_a, one, title="Waiting for PMO"), "submitted")
    bring_to(org_a, raise_cr(org_a, two, title="Done deal", change_type="scope"), "approved")
    pmo = client_for(org_a.users["pmo"])

    everything = pmo.get(url(org_a, "changes/")).content.decode()
    awaiting = pmo.get(url(org_a, "changes/?awaiting=on")).content.decode()
    scope = pmo.get(url(org_a, "changes/?change_type=scope")).content.decode()
    by_project = pmo.get(url(org_a, f"changes/?project={one.pk}")).content.decode()

    assert "Waiting for PMO" in everything and "Done deal" in everything
    assert 'data-testid="awaiting-link"' in everything
    assert "Waiting for PMO" in awaiting and "Done deal" not in awaiting
    assert "Done deal" in scope and "Waiting for PMO" not in scope
    assert "Waiting for PMO" in by_project and "Done deal" not in by_project
    executive = client_for(org_a.users["executive"]).get(url(org_a, "changes/")).content.decode()
    assert 'data-testid="awaiting-link"' not in executive


def test_the_statistics_page_shows_the_three_groupings(org_a: OrgWorld) -> None:
    project = cr_project(org_a, code="ST-1")
    bring_to(org_a, raise_cr(org_a, project, cost=4000), "approved")

    response = client_for(org_a.users["executive"]).get(url(org_a, "changes/statistics/"))
    refused = client_for(org_a.users["executive"]).get(url(org_a, "changes/statistics/?since=2026-13"))

    html = response.content.decode()
    assert response.status_code == 200
    for testid in ("by-project", "by-month", "by-category"):
        assert f'data-testid="{testid}"' in html
    assert "ST-1" in html and "+4,000.00" in html and "Cost change" in html
    assert refused.status_code == 400
    assert "Give the month as YYYY-MM" in refused.content.decode()


def test_pages_in_chinese(org_a: OrgWorld) -> None:
    project = cr_project(org_a)
    raise_cr(org_a, project)
    client = client_for(org_a.users["manager"])
    client.cookies["django_language"] = "zh-hans"

    html = client.get(url(org_a, f"projects/{project.pk}/changes/")).content.decode()

    assert '<html lang="zh-hans">' in html
    assert "基线" in html  # the project tabs, already translated
    assert client.get(url(org_a, f"projects/{project.pk}/changes/1/")).status_code == 200
    assert client.get(url(org_a, "changes/statistics/")).status_code == 200


# --- Tenancy --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_another_organisations_users_get_404_and_change_nothing(org_a: OrgWorld, org_b: OrgWorld, role: str) -> None:
    project = cr_project(org_a)
    bring_to(org_a, raise_cr(org_a, project), "assessed")
    before = change_state(org_a, project)
    client = client_for(org_b.users[role])
    base = f"projects/{project.pk}/changes/"

    gets = [client.get(url(org_a, path)) for path in (base, f"{base}1/", "changes/", "changes/statistics/")]
    body = {"title": "x", "change_type": "cost", "description": "d", "justification": "j", "cost_delta": "1"}
    posts = [client.post(url(org_a, base), body)]
    for verb in ("submit", "withdraw", "assess", "approve", "reject", "edit"):
        posts.append(client.post(url(org_a, f"{base}1/{verb}/"), {**body, "note": "x", "assessment": "x"}))
    # The same project through beta's own URL is 404 too.
    own = client.get(url(org_b, f"{base}1/"))

    assert [r.status_code for r in [*gets, *posts, own]] == [404] * (len(gets) + len(posts) + 1)
    assert change_state(org_a, project) == before


# --- Query counts ---------------------------------------------------------------------------------------------------


def grow(world: OrgWorld, n: int) -> Project:
    project = cr_project(world, code="QC-0")
    for i in range(n):
        other = cr_project(world, code=f"QC-{i + 1}")
        for target in (project, other):
            cr = raise_cr(world, target, title=f"Change {i}", cost=50_000)
            bring_to(world, cr, ("draft", "submitted", "assessed", "approved")[i % 4])
    return project


PAGES = {
    "project tab": ("projects/{p}/changes/", 17),
    "request page": ("projects/{p}/changes/1/", 17),
    "queue": ("changes/", 17),
    "awaiting": ("changes/?awaiting=on", 17),
    "statistics": ("changes/statistics/", 14),
}


@pytest.mark.parametrize("size", [1, 8])
@pytest.mark.parametrize("name", list(PAGES))
def test_page_query_counts_do_not_grow(
    org_a: OrgWorld, django_assert_max_num_queries: Any, name: str, size: int
) -> None:
    project = grow(org_a, size)
    path, bound = PAGES[name]
    for role in ("pmo", "manager"):
        client = client_for(org_a.users[role])
        with django_assert_max_num_queries(bound):
            response = client.get(url(org_a, path.format(p=project.pk)))
        assert response.status_code == 200, (name, role)
