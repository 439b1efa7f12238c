""" "Escalated to me" on the register and the portfolio heat map shows the ten highest-scored risks and the ten newest
issues at the actor's levels, counts the rest and links to them: a large organisation has hundreds, and the card
(and the page's time) must not grow with them."""

from __future__ import annotations

import re

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from risks import scoring, selectors, services
from tests.conftest import OrgWorld
from tests.test_risks_services import call, make_risk


def escalate_many(world: OrgWorld, risks: int, issues: int) -> None:
    for i in range(risks):
        risk = make_risk(world, title=f"Escalated {i:02d}", probability=1 + i % 5, impact=1 + i // 5 % 5)
        call(world, services.risk_escalate, "manager", risk=risk, note="n")
    for i in range(issues):
        issue = call(world, services.issue_create, "manager", project=world.projects[0], title=f"Issue {i:02d}")
        call(world, services.issue_escalate, "manager", issue=issue, note="n")


def test_the_highest_ten_are_listed_and_the_rest_counted(org_a: OrgWorld) -> None:
    escalate_many(org_a, risks=13, issues=12)
    make_risk(org_a, title="Kept by the project", probability=5, impact=5)
    with org_a.ctx():
        access = services._access(org_a.organization, org_a.users["pmo"])
        settings = scoring.risk_settings_get(organization=org_a.organization)
        with CaptureQueriesContext(connection) as queries:
            mine = selectors.escalated_to_me(access=access, settings=settings)
    assert len(queries) == 2  # the risks and the issues, each with its total

    assert (mine.risk_total, mine.issue_total, mine.count) == (13, 12, 25)
    assert (len(mine.risks), len(mine.issues), mine.more_risks, mine.more_issues) == (10, 10, 3, 2)
    scores = [risk.score for risk in mine.risks]
    assert scores == sorted(scores, reverse=True) and min(scores) >= 3  # the three lowest (1, 2, 2) are left out
    assert [issue.title for issue in mine.issues] == [f"Issue {i:02d}" for i in range(11, 1, -1)]


def test_the_card_links_to_the_rest(org_a: OrgWorld) -> None:
    escalate_many(org_a, risks=12, issues=11)
    client = Client()
    client.force_login(org_a.users["pmo"])

    content = client.get(f"/o/{org_a.slug}/risks/").content.decode()

    assert content.count('data-testid="escalated-risk"') == 10
    assert content.count('data-testid="escalated-issue"') == 10
    more_risks = re.search(r'data-testid="escalated-more-risks">(.*?)</li>', content, re.S)
    more_issues = re.search(r'data-testid="escalated-more-issues">(.*?)</li>', content, re.S)
    assert more_risks and "and 2 more risks" in more_risks.group(1)
    assert f"/o/{org_a.slug}/risks/?status=open&amp;escalation=pmo" in more_risks.group(1)
    assert more_issues and "and 1 more issue" in more_issues.group(1)
    assert f"/o/{org_a.slug}/issues/?escalation=pmo" in more_issues.group(1)


def test_a_short_list_has_no_more_line(org_a: OrgWorld) -> None:
    escalate_many(org_a, risks=2, issues=1)
    client = Client()
    client.force_login(org_a.users["pmo"])

    content = client.get(f"/o/{org_a.slug}/risks/").content.decode()

    assert content.count('data-testid="escalated-risk"') == 2
    assert content.count('data-testid="escalated-issue"') == 1
    assert "escalated-more" not in content
