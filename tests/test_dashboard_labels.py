"""The dashboard's words and marks: the filter summary joins label and value in the reader's language, codes and
dates stay on one line, the status KPI says what it counts, and the RAG trend marks the current week as in
progress."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from tests.conftest import OrgWorld
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def page(world: OrgWorld, language: str | None = None, **params: Any) -> str:
    client = Client()
    assert client.login(username=world.users["executive"].email, password=PASSWORD)
    if language:
        client.cookies["django_language"] = language
    response = client.get(f"/o/{world.slug}/dashboard/", params)
    assert response.status_code == 200
    return str(response.content.decode())


def summary(html: str) -> str:
    match = re.search(r'data-testid="dash-summary">(.*?)</p>', html, re.S)
    assert match
    return " ".join(match.group(1).split())


def test_the_filter_summary_uses_the_readers_colon(org_a: OrgWorld) -> None:
    portfolio = org_a.projects[0].portfolio
    english = summary(page(org_a, portfolio=portfolio.pk))
    assert f"Portfolio: {portfolio.name}" in english
    chinese = summary(page(org_a, "zh-hans", portfolio=portfolio.pk))
    assert f"：{portfolio.name}" in chinese
    assert f": {portfolio.name}" not in chinese
