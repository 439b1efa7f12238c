"""The portfolio and intake pages: every page and every form for the six roles, users of another organisation
(404, nothing changed), the buttons each role sees, form errors, the stale-version message and query counts."""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from portfolio.models import ProjectRequest, ScoringCriterion
from tests.conftest import ROLES, OrgWorld
from tests.factories_portfolio import (
    GOVERNANCE,
    LEADERSHIP,
    VIEWERS,
    Intake,
    build_intake,
    grow,
    install_defaults,
    new_request,
    only,
    snapshot,
)

S = ProjectRequest.Status


@pytest.fixture
def intake(org_a: OrgWorld) -> Intake:
    return build_intake(org_a)


def logged_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def page(world: OrgWorld, rest: str) -> str:
    return f"/o/{world.slug}/{rest}"


def owner_only(ok: int) -> dict[str, int]:
    return {"admin": 403, "pmo": 403, "executive": 403, "manager": ok, "member": 404, "viewer": 404}


def visible_only(roles: set[str], ok: int) -> dict[str, int]:
    """For actions on a request: readers without the role get 403, those who cannot see the request 404."""
    return {role: ok if role in roles else (403 if role in VIEWERS else 404) for role in ROLES}


PAGES: dict[str, tuple[Callable[[Intake], str], dict[str, int]]] = {
    "portfolio-list": (lambda i: "portfolios/", only(VIEWERS, 200)),
    "portfolio-create": (lambda i: "portfolios/new/", only(GOVERNANCE, 200)),
    "portfolio-detail": (lambda i: f"portfolios/{i.portfolio.pk}/", only(VIEWERS, 200)),
    "portfolio-edit": (lambda i: f"portfolios/{i.portfolio.pk}/edit/", only(GOVERNANCE, 200)),
    "portfolio-delete": (lambda i: f"portfolios/{i.empty_portfolio.pk}/delete/", only(GOVERNANCE, 200)),
    "programme-list": (lambda i: "programmes/", only(VIEWERS, 200)),
    "programme-create": (lambda i: "programmes/new/", only(GOVERNANCE, 200)),
    "programme-detail": (lambda i: f"programmes/{i.programme.pk}/", only(VIEWERS, 200)),
    "programme-edit": (lambda i: f"programmes/{i.programme.pk}/edit/", only(GOVERNANCE, 200)),
    "programme-delete": (lambda i: f"programmes/{i.empty_programme.pk}/delete/", only(GOVERNANCE, 200)),
    "objective-list": (lambda i: "objectives/", only(VIEWERS, 200)),
    "objective-create": (lambda i: "objectives/new/", only(GOVERNANCE, 200)),
    "objective-detail": (lambda i: f"objectives/{i.objective.pk}/", only(VIEWERS, 200)),
    "objective-edit": (lambda i: f"objectives/{i.objective.pk}/edit/", only(GOVERNANCE, 200)),
    "objective-delete": (lambda i: f"objectives/{i.unused_objective.pk}/delete/", only(GOVERNANCE, 200)),
    "intake-queue": (lambda i: "intake/", only(VIEWERS, 200)),
    "intake-request-create": (lambda i: "intake/new/", only(VIEWERS, 200)),
    "intake-request-detail": (lambda i: f"intake/{i.draft.pk}/", only(VIEWERS, 200, 404)),
    "intake-request-edit": (lambda i: f"intake/{i.draft.pk}/edit/", owner_only(200)),
    "intake-pipeline": (lambda i: "intake/pipeline/", only(VIEWERS, 200)),
    "intake-scoring": (lambda i: "intake/scoring/", only(VIEWERS, 200)),
    "intake-scenarios": (lambda i: "intake/scenarios/", only(VIEWERS, 200)),
    "intake-scenario-detail": (lambda i: f"intake/scenarios/{i.scenario.pk}/", only(VIEWERS, 200)),
    "intake-scenario-delete": (lambda i: f"intake/scenarios/{i.scenario.pk}/delete/", only(LEADERSHIP, 200)),
    "intake-scenario-compare": (
        lambda i: f"intake/scenarios/compare/?a={i.scenario.pk}&b={i.other_scenario.pk}",
        only(VIEWERS, 200),
    ),
}


def score_form(i: Intake) -> dict[str, Any]:
    with i.world.ctx():
        criteria = list(ScoringCriterion.objects.filter(active=True).values_list("pk", flat=True))
    return {**{f"criterion_{pk}": "4" for pk in criteria}, "feasibility_note": "Feasible."}


def request_form(**fields: Any) -> dict[str, Any]:
    data = {"title": "New idea", "estimated_cost": "1000", "estimated_benefit": "0", "estimated_effort_hours": "0"}
    data.update(fields)
    return data


# action → (path, form data, expected status per role; success is a redirect)
ACTIONS: dict[str, tuple[Callable[[Intake], str], Callable[[Intake], dict[str, Any]], dict[str, int]]] = {
    "portfolio-create": (lambda i: "portfolios/new/", lambda i: {"name": "New"}, only(GOVERNANCE, 302)),
    "portfolio-edit": (
        lambda i: f"portfolios/{i.portfolio.pk}/edit/",
        lambda i: {"name": "Renamed", "description": "x"},
        only(GOVERNANCE, 302),
    ),
    "portfolio-delete": (lambda i: f"portfolios/{i.empty_portfolio.pk}/delete/", lambda i: {}, only(GOVERNANCE, 302)),
    "programme-create": (
        lambda i: "programmes/new/",
        lambda i: {"name": "New", "portfolio": i.portfolio.pk},
        only(GOVERNANCE, 302),
    ),
    "programme-edit": (
        lambda i: f"programmes/{i.programme.pk}/edit/",
        lambda i: {"name": "Renamed", "portfolio": i.portfolio.pk},
        only(GOVERNANCE, 302),
    ),
    "programme-delete": (
        lambda i: f"programmes/{i.empty_programme.pk}/delete/",
        lambda i: {},
        only(GOVERNANCE, 302),
    ),
    "objective-create": (
        lambda i: "objectives/new/",
        lambda i: {"code": "OBJ-9", "name": "New", "weight": "10", "active": "on"},
        only(GOVERNANCE, 302),
    ),
    "objective-edit": (
        lambda i: f"objectives/{i.objective.pk}/edit/",
        lambda i: {"code": "OBJ-A", "name": "Renamed", "weight": "20", "active": "on"},
        only(GOVERNANCE, 302),
    ),
    "objective-delete": (
        lambda i: f"objectives/{i.unused_objective.pk}/delete/",
        lambda i: {},
        only(GOVERNANCE, 302),
    ),
    "request-create": (lambda i: "intake/new/", lambda i: request_form(), only(VIEWERS, 302)),
    "request-edit": (
        lambda i: f"intake/{i.draft.pk}/edit/",
        lambda i: request_form(title="Better", version="1"),
        owner_only(302),
    ),
    "request-submit": (lambda i: f"intake/{i.draft.pk}/submit/", lambda i: {"version": "1"}, owner_only(302)),
    "request-withdraw": (lambda i: f"intake/{i.submitted.pk}/withdraw/", lambda i: {"reason": "x"}, owner_only(302)),
    "request-score": (lambda i: f"intake/{i.submitted.pk}/score/", score_form, visible_only(GOVERNANCE, 302)),
    "request-decide": (
        lambda i: f"intake/{i.in_review.pk}/decide/",
        lambda i: {"decision": "approve", "reason": "Good value."},
        visible_only(LEADERSHIP, 302),
    ),
    "criterion-create": (
        lambda i: "intake/scoring/",
        lambda i: {"key": "esg", "name": "ESG", "weight": "5", "order": "9", "higher_is_better": "on"},
        only(GOVERNANCE, 302),
    ),
    "criterion-update": (
        lambda i: f"intake/scoring/{i.criterion.pk}/",
        lambda i: {
            f"c{i.criterion.pk}-{k}": v
            for k, v in {"key": "risk", "name": "Risk", "weight": "20", "order": "4", "active": "on"}.items()
        },
        only(GOVERNANCE, 302),
    ),
    "criterion-delete": (
        lambda i: f"intake/scoring/{i.unused_criterion.pk}/delete/",
        lambda i: {},
        only(GOVERNANCE, 302),
    ),
    "scenario-create": (
        lambda i: "intake/scenarios/",
        lambda i: {"name": "Next year", "budget_cap": "2000000", "include_active_projects": "on"},
        only(LEADERSHIP, 302),
    ),
    "scenario-delete": (lambda i: f"intake/scenarios/{i.scenario.pk}/delete/", lambda i: {}, only(LEADERSHIP, 302)),
}


# --- Every page and every action for every role -----------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", list(PAGES))
def test_page_matrix(intake: Intake, name: str, role: str) -> None:
    path, expected = PAGES[name]

    response = logged_in(intake.world.users[role]).get(page(intake.world, path(intake)))

    assert response.status_code == expected[role]
    if response.status_code == 200:
        assert response.context["organization"] == intake.world.organization


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", list(ACTIONS))
def test_action_matrix(intake: Intake, name: str, role: str) -> None:
    path, data, expected = ACTIONS[name]
    before = snapshot(intake.world)

    response = logged_in(intake.world.users[role]).post(page(intake.world, path(intake)), data(intake))

    assert response.status_code == expected[role]
    if response.status_code == 302:
        assert snapshot(intake.world) != before
    else:
        assert snapshot(intake.world) == before


@pytest.mark.parametrize("name", list(PAGES))
def test_every_page_is_404_for_another_organisation(intake: Intake, org_b: OrgWorld, name: str) -> None:
    path, _ = PAGES[name]

    for role in ROLES:
        assert logged_in(org_b.users[role]).get(page(intake.world, path(intake))).status_code == 404, role


@pytest.mark.parametrize("name", list(ACTIONS))
def test_every_action_is_404_for_another_organisation_and_changes_nothing(
    intake: Intake, org_b: OrgWorld, name: str
) -> None:
    path, data, _ = ACTIONS[name]
    install_defaults(org_b)
    before = (snapshot(intake.world), snapshot(org_b))

    for role in ROLES:
        response = logged_in(org_b.users[role]).post(page(intake.world, path(intake)), data(intake))
        assert response.status_code == 404, role

    assert (snapshot(intake.world), snapshot(org_b)) == before


@pytest.mark.parametrize(
    "name", [n for n in ACTIONS if n not in ("portfolio-create", "programme-create", "objective-create",
                                             "request-create", "criterion-create", "scenario-create")]
)  # fmt: skip
def test_another_organisations_objects_through_my_organisation_are_404(
    intake: Intake, org_b: OrgWorld, name: str
) -> None:
    path, data, _ = ACTIONS[name]
    install_defaults(org_b)
    before = (snapshot(intake.world), snapshot(org_b))

    response = logged_in(org_b.users["admin"]).post(page(org_b, path(intake)), data(intake))

    assert response.status_code == 404
    assert (snapshot(intake.world), snapshot(org_b)) == before


def test_anonymous_visitors_are_sent_to_log_in(intake: Intake) -> None:
    for name, (path, _) in PAGES.items():
        response = Client().get(page(intake.world, path(intake)))
        assert response.status_code == 302, name
        assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("role", ROLES)
def test_navigation_shows_intake_to_the_roles_that_see_the_queue(org_a: OrgWorld, role: str) -> None:
    content = logged_in(org_a.users[role]).get(page(org_a, "")).content.decode()

    shown = set(re.findall(r'data-testid="nav-(\w+)"', content))
    assert ("intake" in shown) == (role in VIEWERS)
    assert ("portfolios" in shown) == (role in VIEWERS)


# --- Buttons each role sees on a request ------------------------------------------------------------------------

BUTTONS = ["action-edit", "action-submit", "action-withdraw", "score-form", "decide-form"]


@pytest.mark.parametrize(
    ("status", "role", "expected"),
    [
        (S.DRAFT, "manager", {"action-edit", "action-submit", "action-withdraw"}),
        (S.DRAFT, "pmo", set()),
        (S.DRAFT, "executive", set()),
        (S.SUBMITTED, "manager", {"action-withdraw"}),
        (S.SUBMITTED, "pmo", {"score-form", "decide-form"}),
        (S.SUBMITTED, "admin", {"score-form", "decide-form"}),
        (S.SUBMITTED, "executive", {"decide-form"}),
        (S.IN_REVIEW, "pmo", {"score-form", "decide-form"}),
        (S.IN_REVIEW, "manager", {"action-withdraw"}),
        (S.DEFERRED, "manager", {"action-edit", "action-submit", "action-withdraw"}),
        (S.APPROVED, "manager", set()),
        (S.APPROVED, "pmo", set()),
        (S.REJECTED, "executive", set()),
        (S.WITHDRAWN, "manager", set()),
    ],
)
def test_each_role_sees_only_the_buttons_it_may_use(
    org_a: OrgWorld, status: str, role: str, expected: set[str]
) -> None:
    install_defaults(org_a)
    request = new_request(org_a, status, sponsor="manager")

    content = logged_in(org_a.users[role]).get(page(org_a, f"intake/{request.pk}/")).content.decode()

    assert {b for b in BUTTONS if f'data-testid="{b}"' in content} == expected


def test_approve_is_offered_only_once_the_request_is_scored(org_a: OrgWorld) -> None:
    install_defaults(org_a)
    submitted = new_request(org_a, S.SUBMITTED)
    in_review = new_request(org_a, S.IN_REVIEW)
    client = logged_in(org_a.users["executive"])

    before = client.get(page(org_a, f"intake/{submitted.pk}/")).content.decode()
    after = client.get(page(org_a, f"intake/{in_review.pk}/")).content.decode()

    assert 'value="approve"' not in before
    assert "must score this request before it can be approved" in before
    assert 'value="approve"' in after


def test_approving_on_the_page_links_the_new_project(org_a: OrgWorld) -> None:
    install_defaults(org_a)
    request = new_request(org_a, S.IN_REVIEW, title="Portal")
    client = logged_in(org_a.users["executive"])

    response = client.post(
        page(org_a, f"intake/{request.pk}/decide/"), {"decision": "approve", "reason": "Yes."}, follow=True
    )

    content = response.content.decode()
    assert response.status_code == 200
    assert "Request approved: project PRJ-001 has been created." in content
    assert 'data-testid="project-link"' in content


# --- Form errors and conflicts ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "data", "field"),
    [
        ("intake/new/", request_form(title=""), "title"),
        ("intake/new/", request_form(planned_start="2031-05-01", planned_finish="2031-04-01"), "planned_finish"),
        ("intake/new/", request_form(estimated_cost="-1"), "estimated_cost"),
        ("portfolios/new/", {"name": ""}, "name"),
        ("objectives/new/", {"code": "X", "name": "X", "weight": "101"}, "weight"),
    ],
)
def test_invalid_forms_show_their_errors_and_change_nothing(
    org_a: OrgWorld, path: str, data: dict[str, str], field: str
) -> None:
    install_defaults(org_a)
    before = snapshot(org_a)

    response = logged_in(org_a.users["pmo"]).post(page(org_a, path), data)

    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert 'class="errorlist' in response.content.decode()
    assert snapshot(org_a) == before


def test_a_duplicate_portfolio_name_is_shown_on_the_field(intake: Intake) -> None:
    before = snapshot(intake.world)

    response = logged_in(intake.world.users["pmo"]).post(
        page(intake.world, "portfolios/new/"), {"name": "alpha portfolio"}
    )

    assert response.status_code == 400
    assert response.context["form"].errors["name"] == ["A portfolio with this name exists already."]
    assert snapshot(intake.world) == before


def test_a_refused_delete_explains_why_and_deletes_nothing(intake: Intake) -> None:
    before = snapshot(intake.world)

    response = logged_in(intake.world.users["pmo"]).post(
        page(intake.world, f"portfolios/{intake.portfolio.pk}/delete/")
    )

    assert response.status_code == 400
    assert "still holds programmes, projects or requests" in response.content.decode()
    assert snapshot(intake.world) == before


@pytest.mark.parametrize(
    ("step", "data", "form", "field"),
    [
        ("decide/", {"decision": "reject", "reason": ""}, "decide_form", "reason"),
        ("decide/", {"reason": "No decision"}, "decide_form", "decision"),
        ("score/", {"feasibility_note": "x"}, "score_form", None),
    ],
)
def test_invalid_review_forms_show_the_request_again(
    org_a: OrgWorld, step: str, data: dict[str, str], form: str, field: str | None
) -> None:
    install_defaults(org_a)
    request = new_request(org_a, S.SUBMITTED)
    before = snapshot(org_a)

    response = logged_in(org_a.users["pmo"]).post(page(org_a, f"intake/{request.pk}/{step}"), data)

    assert response.status_code == 400
    errors = response.context[form].errors
    if field:
        assert field in errors
    else:  # one "required" error per active criterion
        assert len(errors) == len(score_form_fields(org_a))
    assert response.context["req"].pk == request.pk
    assert snapshot(org_a) == before


def score_form_fields(world: OrgWorld) -> list[int]:
    with world.ctx():
        return list(ScoringCriterion.objects.filter(active=True).values_list("pk", flat=True))


def test_an_invalid_transition_on_the_page_is_explained(org_a: OrgWorld) -> None:
    install_defaults(org_a)
    request = new_request(org_a, S.DRAFT, business_case="")
    before = snapshot(org_a)

    response = logged_in(org_a.users["manager"]).post(page(org_a, f"intake/{request.pk}/submit/"), {})

    assert response.status_code == 400
    assert "Write the business case before submitting." in response.content.decode()
    assert snapshot(org_a) == before


def test_a_stale_edit_is_refused_with_a_clear_message(org_a: OrgWorld) -> None:
    install_defaults(org_a)
    request = new_request(org_a)
    client = logged_in(org_a.users["manager"])
    assert (
        client.post(page(org_a, f"intake/{request.pk}/edit/"), request_form(title="Mine", version="1")).status_code
        == 302
    )
    before = snapshot(org_a)

    response = client.post(page(org_a, f"intake/{request.pk}/edit/"), request_form(title="Theirs", version="1"))

    assert response.status_code == 409
    assert "Someone else changed this request while you were working on it" in response.content.decode()
    assert snapshot(org_a) == before
    # The form keeps the input on top of the current version: saving it again is a deliberate overwrite.
    assert response.context["form"]["version"].value() == "2"
    again = client.post(page(org_a, f"intake/{request.pk}/edit/"), request_form(title="Theirs", version="2"))
    assert again.status_code == 302


def test_scoring_on_the_page_shows_the_weighted_score(org_a: OrgWorld) -> None:
    install_defaults(org_a)
    request = new_request(org_a, S.SUBMITTED)
    with org_a.ctx():
        criteria = {c.key: c.pk for c in ScoringCriterion.objects.all()}
    values = {"strategic_alignment": 4, "business_value": 3, "urgency": 5, "risk": 2, "cost": 2, "feasibility": 4}
    data = {f"criterion_{criteria[k]}": str(v) for k, v in values.items()}

    response = logged_in(org_a.users["pmo"]).post(
        page(org_a, f"intake/{request.pk}/score/"), {**data, "feasibility_note": "Feasible."}, follow=True
    )

    content = response.content.decode()
    assert "Scores saved: the weighted score is 72.50." in content
    assert 'data-testid="weighted-score">72.50' in content
    with org_a.ctx():
        assert ProjectRequest.objects.get(pk=request.pk).score == Decimal("72.50")


def test_the_queue_filters_by_status_and_counts_each(org_a: OrgWorld) -> None:
    install_defaults(org_a)
    for status in (S.DRAFT, S.SUBMITTED, S.SUBMITTED, S.REJECTED):
        new_request(org_a, status)
    client = logged_in(org_a.users["pmo"])

    everything = client.get(page(org_a, "intake/"))
    submitted = client.get(page(org_a, "intake/?status=submitted"))
    nonsense = client.get(page(org_a, "intake/?status=nonsense"))

    counts = {value: n for value, _, n in everything.context["status_counts"]}
    assert counts == {
        "draft": 1,
        "submitted": 2,
        "in_review": 0,
        "approved": 0,
        "rejected": 1,
        "deferred": 0,
        "withdrawn": 0,
    }
    assert [r.status for r in submitted.context["requests"]] == ["submitted", "submitted"]
    assert len(nonsense.context["requests"]) == 4


def test_a_sponsor_without_the_intake_role_opens_only_their_own_request(org_a: OrgWorld) -> None:
    """The queue is for intake.view (as the navigation); the request page is also open to its sponsor."""
    install_defaults(org_a)
    mine = new_request(org_a, S.SUBMITTED, title="Mine")
    other = new_request(org_a, S.SUBMITTED, title="Someone else's")
    with org_a.ctx():
        ProjectRequest.objects.filter(pk=mine.pk).update(sponsor=org_a.users["member"])
    client = logged_in(org_a.users["member"])

    queue = client.get(page(org_a, "intake/"))
    detail = client.get(page(org_a, f"intake/{mine.pk}/"))
    hidden = client.get(page(org_a, f"intake/{other.pk}/"))

    assert (queue.status_code, detail.status_code, hidden.status_code) == (403, 200, 404)
    assert 'data-testid="action-withdraw"' in detail.content.decode()
    assert 'data-testid="action-submit"' not in detail.content.decode()


def test_empty_states(org_a: OrgWorld) -> None:
    install_defaults(org_a)
    client = logged_in(org_a.users["pmo"])

    assert "No project requests yet." in client.get(page(org_a, "intake/")).content.decode()
    assert "Nothing is waiting for a decision." in client.get(page(org_a, "intake/pipeline/")).content.decode()
    assert "No scenarios yet." in client.get(page(org_a, "intake/scenarios/")).content.decode()
    assert "No programmes yet." in client.get(page(org_a, "programmes/")).content.decode()
    assert "No strategic objectives yet." in client.get(page(org_a, "objectives/")).content.decode()


# --- Query counts -----------------------------------------------------------------------------------------------

LIST_PAGES: dict[str, Callable[[Intake], str]] = {
    "portfolios": lambda i: "portfolios/",
    "portfolio-detail": lambda i: f"portfolios/{i.portfolio.pk}/",
    "programmes": lambda i: "programmes/",
    "objectives": lambda i: "objectives/",
    "queue": lambda i: "intake/",
    "request-detail": lambda i: f"intake/{i.in_review.pk}/",
    "pipeline": lambda i: "intake/pipeline/",
    "scoring": lambda i: "intake/scoring/",
    "scenarios": lambda i: "intake/scenarios/",
    "scenario-detail": lambda i: f"intake/scenarios/{i.other_scenario.pk}/",
}


# The lists with a filter bar also read its choices (portfolios, people, objectives), count the rows for the pager
# and, for the pipeline, total them in one aggregate.
LIST_BOUNDS = {"portfolios": 14, "programmes": 15, "objectives": 14, "queue": 17, "pipeline": 18}


@pytest.mark.parametrize("name", list(LIST_PAGES))
@pytest.mark.parametrize("extra", [0, 15])
def test_page_query_count_does_not_grow(
    intake: Intake, django_assert_max_num_queries: Any, name: str, extra: int
) -> None:
    grow(intake.world, extra)
    if extra:
        # The scenario page lists its items: recompute it over the grown pipeline.
        from portfolio import services

        with intake.world.ctx():
            intake.other_scenario = services.scenario_create(
                organization=intake.world.organization,
                actor=intake.world.users["pmo"],
                name="Grown generous",
                budget_cap=Decimal(5_000_000),
            )
    client = logged_in(intake.world.users["pmo"])

    with django_assert_max_num_queries(LIST_BOUNDS.get(name, 16)):
        response = client.get(page(intake.world, LIST_PAGES[name](intake)))

    assert response.status_code == 200
