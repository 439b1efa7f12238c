"""An issue's escalation records who raised it and why, through the API and the page; the PMO then takes it to the
executives; another organisation cannot."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.test import Client
from rest_framework.test import APIClient

from risks import services
from risks.models import Issue
from tests.conftest import OrgWorld
from tests.test_risks_services import call


def make_issue(world: OrgWorld) -> Issue:
    return call(world, services.issue_create, "manager", title="Test lab flooded", project=world.projects[0])


def test_escalation_keeps_who_and_why(org_a: OrgWorld, api_client: Callable[[Any], APIClient]) -> None:
    issue = make_issue(org_a)
    url = f"/api/v1/orgs/{org_a.slug}/issues/{issue.pk}/escalate/"

    response = api_client(org_a.users["manager"]).post(url, {"note": "Needs a second lab."}, format="json")

    assert response.status_code == 200
    assert response.json()["escalation_level"] == "pmo"
    assert response.json()["escalation_note"] == "Needs a second lab."
    with org_a.ctx():
        stored = Issue.objects.get(pk=issue.pk)
    assert (stored.escalated_by, stored.escalation_note) == (org_a.users["manager"], "Needs a second lab.")

    client = Client()
    client.force_login(org_a.users["pmo"])
    page = client.post(
        f"/o/{org_a.slug}/issues/{issue.number}/escalate/", {"note": "Budget decision for the second lab."}
    )
    assert page.status_code == 302
    with org_a.ctx():
        stored = Issue.objects.get(pk=issue.pk)
    assert stored.escalation_level == "executive"
    assert (stored.escalated_by, stored.escalation_note) == (org_a.users["pmo"], "Budget decision for the second lab.")
    detail = client.get(f"/o/{org_a.slug}/issues/{issue.number}/").content.decode()
    assert "Budget decision for the second lab." in detail


def test_another_organisation_cannot_escalate(
    org_a: OrgWorld, org_b: OrgWorld, api_client: Callable[[Any], APIClient]
) -> None:
    issue = make_issue(org_a)
    url = f"/api/v1/orgs/{org_a.slug}/issues/{issue.pk}/escalate/"

    response = api_client(org_b.users["pmo"]).post(url, {"note": "x"}, format="json")

    assert response.status_code == 404
    with org_a.ctx():
        stored = Issue.objects.get(pk=issue.pk)
    assert (stored.escalation_level, stored.escalated_by, stored.escalation_note) == ("project", None, "")
