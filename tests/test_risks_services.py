"""Risk services and scoring: the score the database generates, levels monotone in the score, staleness, the
settings' validation (scale, thresholds, shrinking below open risks, stale version), numbering under concurrency,
the workflow (update counts as a review, close, to-issue keeps the link), escalation rights at each level,
probabilities outside the scale, issues and assumptions."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from pmo.tenancy.context import tenant_context
from projects.models import Project
from projects.services import ProjectsConflict
from risks import scoring, selectors, services
from risks.models import Assumption, Issue, Risk, RiskAction, RiskSettings
from tests.conftest import OrgWorld, build_world


def make_risk(world: OrgWorld, *, project: Project | None = None, actor: str = "manager", **values: Any) -> Risk:
    fields: dict[str, Any] = {"title": "Vendor delivers late", "category": "schedule", "probability": 4, "impact": 5}
    fields.update(values)
    with world.ctx():
        if "portfolio" not in fields:
            fields["project"] = project or world.projects[0]
        return services.risk_create(organization=world.organization, actor=world.users[actor], **fields)


def call(world: OrgWorld, service: Any, actor: str, **kwargs: Any) -> Any:
    with world.ctx():
        return service(organization=world.organization, actor=world.users[actor], **kwargs)


def risk_state(world: OrgWorld) -> list[tuple[Any, ...]]:
    with world.ctx():
        rows = Risk.objects.order_by("pk").values_list(
            "pk", "status", "probability", "impact", "escalation_level", "strategy", "version", "last_reviewed_at"
        )
        return [*rows, *Issue.objects.values_list("pk", "status", "escalation_level", "version")]


# --- Scoring ------------------------------------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(
    scale=st.integers(3, 5),
    medium=st.integers(1, 24),
    gap=st.integers(1, 24),
    scores=st.lists(st.integers(1, 25), min_size=2, max_size=6),
)
def test_the_level_is_monotone_in_the_score(scale: int, medium: int, gap: int, scores: list[int]) -> None:
    high = medium + gap
    rules = RiskSettings(scale=scale, medium_from=medium, high_from=high)
    order = {scoring.LOW: 0, scoring.MEDIUM: 1, scoring.HIGH: 2}
    ranked = [order[scoring.level_of(score, rules)] for score in sorted(scores)]
    assert ranked == sorted(ranked)
    for score in scores:
        expected = scoring.HIGH if score >= high else scoring.MEDIUM if score >= medium else scoring.LOW
        assert scoring.level_of(score, rules) == expected


def test_the_database_generates_the_score_and_sql_levels_match_python(org_a: OrgWorld) -> None:
    pairs = [(p, i) for p in range(1, 6) for i in range(1, 6)]
    for p, i in pairs:
        make_risk(org_a, probability=p, impact=i, title=f"P{p} I{i}")
    with org_a.ctx():
        rules = scoring.risk_settings_get(organization=org_a.organization)
        rows = list(
            scoring.Risk.objects.annotate(level=scoring.level_expression(rules)).values_list(
                "probability", "impact", "score", "level"
            )
        )
    assert len(rows) == 25
    for p, i, score, level in rows:
        assert score == p * i
        assert level == scoring.level_of(p * i, rules)
    assert {level for *_, level in rows} == {"low", "medium", "high"}


def test_stale_means_open_and_not_reviewed_within_the_period(org_a: OrgWorld) -> None:
    now = timezone.now()
    fresh = make_risk(org_a, title="fresh", at=now - dt.timedelta(days=29))
    old = make_risk(org_a, title="old", at=now - dt.timedelta(days=31))
    closed = make_risk(org_a, title="old but closed", at=now - dt.timedelta(days=90))
    call(org_a, services.risk_close, "manager", risk=closed)
    with org_a.ctx():
        access = services._access(org_a.organization, org_a.users["pmo"])
        stale = {r.title: r.stale for r in selectors.risks_visible_to(access=access, now=now)}
        rules = scoring.risk_settings_get(organization=org_a.organization)
        assert [scoring.is_stale(r, rules, now=now) for r in (fresh, old)] == [False, True]
    assert stale == {"fresh": False, "old": True, "old but closed": False}

    call(org_a, services.risk_review, "manager", risk=old)
    with org_a.ctx():
        access = services._access(org_a.organization, org_a.users["pmo"])
        assert not selectors.risks_visible_to(access=access).get(pk=old.pk).stale


# --- Settings -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"scale": 2}, "scale"),
        ({"scale": 6}, "scale"),
        ({"medium_from": 0}, "medium_from"),
        ({"medium_from": 12, "high_from": 12}, "high_from"),
        ({"high_from": 26}, "high_from"),
        ({"review_period_days": 0}, "review_period_days"),
        ({"scale": "big"}, "scale"),
    ],
)
def test_bad_settings_are_refused_and_nothing_changes(org_a: OrgWorld, change: dict[str, Any], field: str) -> None:
    with org_a.ctx():
        before = scoring.risk_settings_get(organization=org_a.organization)
    with pytest.raises(ValidationError) as error:
        call(org_a, scoring.risk_settings_update, "pmo", **change)
    assert field in error.value.message_dict
    with org_a.ctx():
        after = RiskSettings.objects.get(organization=org_a.organization)
    assert (after.scale, after.medium_from, after.high_from, after.version) == (
        before.scale,
        before.medium_from,
        before.high_from,
        before.version,
    )


def test_the_scale_cannot_shrink_below_open_risks(org_a: OrgWorld) -> None:
    make_risk(org_a, probability=2, impact=4)
    closed = make_risk(org_a, probability=5, impact=5)
    call(org_a, services.risk_close, "manager", risk=closed)

    with pytest.raises(ValidationError) as error:
        call(org_a, scoring.risk_settings_update, "pmo", scale=3, medium_from=3, high_from=6)
    assert "rated up to 4" in error.value.message_dict["scale"][0]

    updated = call(org_a, scoring.risk_settings_update, "pmo", scale=4, medium_from=4, high_from=9)
    assert (updated.scale, updated.version) == (4, 2)
    with pytest.raises(ValidationError) as rating:
        make_risk(org_a, probability=5, impact=1)
    assert "1 to 4" in rating.value.message_dict["probability"][0]


def test_a_stale_settings_version_is_409_and_nothing_is_lost(org_a: OrgWorld) -> None:
    call(org_a, scoring.risk_settings_update, "pmo", version=1, review_period_days=14)
    with pytest.raises(ProjectsConflict):
        call(org_a, scoring.risk_settings_update, "pmo", version=1, review_period_days=60)
    with org_a.ctx():
        assert RiskSettings.objects.get(organization=org_a.organization).review_period_days == 14


# --- Numbering ----------------------------------------------------------------------------------------------------


def test_numbers_are_per_organisation(org_a: OrgWorld, org_b: OrgWorld) -> None:
    codes = [make_risk(org_a).code, make_risk(org_a, project=org_a.projects[1], actor="pmo").code]
    assert codes == ["R-001", "R-002"]
    assert make_risk(org_b).code == "R-001"
    issue = call(org_a, services.issue_create, "manager", project=org_a.projects[0], title="Broken build")
    assert issue.code == "I-001"


@pytest.mark.django_db(transaction=True)
def test_concurrent_risks_get_distinct_numbers() -> None:
    """The first creation holds its transaction (and the settings lock) open; the second waits and takes the next
    number instead of reading the same maximum and hitting the unique constraint."""
    world = build_world("gamma")
    created = threading.Event()
    numbers: list[int] = []
    errors: list[Exception] = []

    def create(title: str, hold: bool) -> None:
        try:
            with tenant_context(world.organization):
                risk = services.risk_create(
                    organization=world.organization,
                    actor=world.users["manager"],
                    project=world.projects[0],
                    title=title,
                    category="cost",
                    probability=2,
                    impact=2,
                )
                numbers.append(risk.number)
                if hold:
                    created.set()
                    threading.Event().wait(0.5)
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    first = threading.Thread(target=create, args=("first", True))
    first.start()
    assert created.wait(10)
    second = threading.Thread(target=create, args=("second", False))
    second.start()
    first.join(10)
    second.join(10)

    assert errors == []
    assert sorted(numbers) == [1, 2]


# --- Workflow -----------------------------------------------------------------------------------------------------


def test_only_keepers_log_risks_and_bad_input_changes_nothing(org_a: OrgWorld) -> None:
    for role in ("member", "viewer", "executive"):
        with pytest.raises(PermissionDenied):
            make_risk(org_a, actor=role)
    with pytest.raises(PermissionDenied):
        make_risk(org_a, project=org_a.projects[1])  # not the manager's project
    with pytest.raises(ValidationError) as error:
        make_risk(org_a, title=" ", probability=0, impact=6, category="weather")
    assert set(error.value.message_dict) == {"title", "probability", "impact"}
    with pytest.raises(ValidationError) as choice:
        make_risk(org_a, category="weather")
    assert "category" in choice.value.message_dict
    assert risk_state(org_a) == []


def test_portfolio_level_risks_are_kept_by_the_pmo(org_a: OrgWorld) -> None:
    portfolio = org_a.projects[0].portfolio
    assert portfolio is not None
    with pytest.raises(PermissionDenied):
        make_risk(org_a, portfolio=portfolio, actor="manager")
    risk = make_risk(org_a, portfolio=portfolio, actor="pmo")
    assert (risk.project_id, risk.portfolio_id) == (None, portfolio.pk)


def test_an_update_of_the_rating_or_response_is_a_review(org_a: OrgWorld) -> None:
    long_ago = timezone.now() - dt.timedelta(days=40)
    risk = make_risk(org_a, at=long_ago)

    renamed = call(org_a, services.risk_update, "manager", risk=risk, version=1, title="Vendor late again")
    assert (renamed.version, renamed.last_reviewed_at) == (2, long_ago)

    rerated = call(org_a, services.risk_update, "manager", risk=risk, version=2, probability=2)
    assert rerated.version == 3 and rerated.last_reviewed_at > long_ago and rerated.score == 10

    before = risk_state(org_a)
    with pytest.raises(ProjectsConflict):
        call(org_a, services.risk_update, "manager", risk=risk, version=2, impact=1)
    with pytest.raises(ValidationError):
        call(org_a, services.risk_update, "manager", risk=risk, score=3)
    assert risk_state(org_a) == before


def test_escalation_rights_at_each_level(org_a: OrgWorld) -> None:
    risk = make_risk(org_a)
    for role in ("member", "viewer", "executive"):
        with pytest.raises(PermissionDenied):
            call(org_a, services.risk_escalate, role, risk=risk, note="please")
    with pytest.raises(ValidationError):
        call(org_a, services.risk_escalate, "manager", risk=risk, note="  ")

    at_pmo = call(org_a, services.risk_escalate, "manager", risk=risk, note="Vendor is critical")
    assert (at_pmo.escalation_level, at_pmo.strategy, at_pmo.escalated_by_id) == (
        "pmo",
        "mitigate",
        org_a.users["manager"].pk,
    )
    with pytest.raises(PermissionDenied) as refused:
        call(org_a, services.risk_escalate, "manager", risk=risk, note="higher")
    assert "Only the PMO" in str(refused.value)

    at_top = call(org_a, services.risk_escalate, "pmo", risk=risk, note="Board must decide", set_strategy=True)
    assert (at_top.escalation_level, at_top.strategy) == ("executive", "escalate")
    with pytest.raises(ProjectsConflict):
        call(org_a, services.risk_escalate, "pmo", risk=risk, note="more")

    with pytest.raises(PermissionDenied):
        call(org_a, services.risk_deescalate, "pmo", risk=risk)  # the executives own their level
    back = call(org_a, services.risk_deescalate, "executive", risk=risk, note="PMO can handle it")
    assert back.escalation_level == "pmo"
    with org_a.ctx():
        history = selectors.risk_escalation_history(risk=back)
    assert [(step.level, step.note) for step in history] == [
        ("pmo", "Vendor is critical"),
        ("executive", "Board must decide"),
        ("pmo", "PMO can handle it"),
    ]


def test_escalated_to_me_is_by_level(org_a: OrgWorld) -> None:
    at_pmo = make_risk(org_a, title="at pmo")
    call(org_a, services.risk_escalate, "manager", risk=at_pmo, note="n")
    at_exec = make_risk(org_a, title="at exec")
    call(org_a, services.risk_escalate, "manager", risk=at_exec, note="n")
    call(org_a, services.risk_escalate, "pmo", risk=at_exec, note="n")
    make_risk(org_a, title="kept")
    mine = {}
    for role in ("pmo", "executive", "admin", "manager"):
        with org_a.ctx():
            access = services._access(org_a.organization, org_a.users[role])
            mine[role] = sorted(r.title for r in selectors.escalated_to_me(access=access).risks)
    assert mine == {
        "pmo": ["at pmo"],
        "executive": ["at exec"],
        "admin": ["at exec", "at pmo"],
        "manager": [],
    }


def test_a_risk_that_occurs_becomes_an_issue_that_keeps_the_link(org_a: OrgWorld) -> None:
    risk = make_risk(org_a, event="Vendor misses the date", effect="Go-live slips")
    call(org_a, services.risk_escalate, "manager", risk=risk, note="n")
    with pytest.raises(PermissionDenied):
        call(org_a, services.risk_to_issue, "member", risk=risk)

    issue = call(org_a, services.risk_to_issue, "manager", risk=risk)

    with org_a.ctx():
        risk.refresh_from_db()
        assert (risk.status, risk.issue.pk) == ("occurred", issue.pk)
    assert (issue.code, issue.risk_id, issue.severity, issue.escalation_level) == ("I-001", risk.pk, "high", "pmo")
    assert issue.description == "Vendor misses the date\n\nGo-live slips"
    with pytest.raises(ProjectsConflict):
        call(org_a, services.risk_to_issue, "manager", risk=risk)
    with pytest.raises(ProjectsConflict):
        call(org_a, services.risk_update, "manager", risk=risk, title="x")


def test_actions_are_added_ticked_off_by_their_owner_and_deleted(org_a: OrgWorld) -> None:
    risk = make_risk(org_a)
    action = call(
        org_a, services.risk_action_add, "manager", risk=risk, title="Call the vendor", owner=org_a.users["member"]
    )
    with pytest.raises(ValidationError):
        call(org_a, services.risk_action_add, "manager", risk=risk, title="x", owner=org_a.users["viewer"].pk + 999)
    with pytest.raises(PermissionDenied):
        call(org_a, services.risk_action_update, "member", action=action, title="renamed")
    done = call(org_a, services.risk_action_update, "member", action=action, done=True)
    assert done.done_at is not None
    with pytest.raises(PermissionDenied):
        call(org_a, services.risk_action_delete, "member", action=action)
    call(org_a, services.risk_action_delete, "manager", action=action)
    with org_a.ctx():
        assert not RiskAction.objects.exists()


def test_a_closed_project_is_read_only(org_a: OrgWorld) -> None:
    risk = make_risk(org_a)
    with org_a.ctx():
        Project.objects.filter(pk=org_a.projects[0].pk).update(status=Project.Status.CLOSED)
    before = risk_state(org_a)
    with pytest.raises(ProjectsConflict):
        call(org_a, services.risk_review, "manager", risk=risk)
    with pytest.raises(ProjectsConflict):
        make_risk(org_a)
    assert risk_state(org_a) == before


def test_issue_workflow(org_a: OrgWorld) -> None:
    issue = call(org_a, services.issue_create, "manager", project=org_a.projects[0], title="Build broken")
    moving = call(org_a, services.issue_update, "manager", issue=issue, version=1, status="in_progress")
    assert moving.status == "in_progress"
    with pytest.raises(ValidationError):
        call(org_a, services.issue_update, "manager", issue=issue, status="closed")
    with pytest.raises(ValidationError):
        call(org_a, services.issue_resolve, "manager", issue=issue, resolution=" ")
    escalated = call(org_a, services.issue_escalate, "manager", issue=issue)
    assert escalated.escalation_level == "pmo"
    with pytest.raises(PermissionDenied):
        call(org_a, services.issue_escalate, "manager", issue=issue)
    resolved = call(org_a, services.issue_resolve, "manager", issue=issue, resolution="Pipeline fixed")
    assert resolved.status == "resolved" and resolved.resolved_at is not None
    assert call(org_a, services.issue_close, "manager", issue=issue).status == "closed"
    with pytest.raises(ProjectsConflict):
        call(org_a, services.issue_close, "manager", issue=issue)


def test_assumptions_record_whether_they_held(org_a: OrgWorld) -> None:
    assumption = call(
        org_a, services.assumption_create, "manager", project=org_a.projects[0], title="Vendor API is stable"
    )
    with pytest.raises(PermissionDenied):
        call(org_a, services.assumption_update, "member", assumption=assumption, status="valid")
    with pytest.raises(ValidationError):
        call(org_a, services.assumption_update, "manager", assumption=assumption, status="maybe")
    held = call(org_a, services.assumption_update, "manager", assumption=assumption, version=1, status="invalid")
    assert (held.status, held.version) == ("invalid", 2)
    with pytest.raises(ProjectsConflict):
        call(org_a, services.assumption_update, "manager", assumption=assumption, version=1, title="x")
    with org_a.ctx():
        assert Assumption.objects.get().title == "Vendor API is stable"
