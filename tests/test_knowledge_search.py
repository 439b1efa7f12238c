"""Search in Chinese and English: tokens, the selector, and the list page and API that use it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from pmo.tenancy.access import OrgAccess
from pmo.tenancy.models import Membership
from projects.knowledge.search import tokens
from projects.knowledge.selectors import article_list, article_search
from projects.knowledge.services import article_update
from tests.conftest import OrgWorld
from tests.test_knowledge_support import api_url, logged_in, make_article, page_url


def access_of(world: OrgWorld, role: str) -> OrgAccess:
    membership = Membership.objects.get(organization=world.organization, user=world.users[role])
    return OrgAccess(organization=world.organization, membership=membership)


def titles(world: OrgWorld, role: str = "member", **filters: Any) -> list[str]:
    with world.ctx():
        return [a.title for a in article_list(access=access_of(world, role), **filters)]


@pytest.fixture
def bilingual(org_a: OrgWorld, org_b: OrgWorld) -> None:
    make_article(org_a, kind="guide", title="风险管理指南", body="识别、评分、应对与升级。", tags=["风险"])
    make_article(org_a, kind="standard", title="Risk Management Guide", body="Identify, score and ESCALATE risks.")
    make_article(org_a, kind="standard", title="变更控制流程", body="Change requests and baselines.", category="治理")
    make_article(org_a, kind="training", title="Earned value in one hour", tags=["SPI", "CPI"])
    # The same words in another organisation must never be found from alpha.
    make_article(org_b, kind="guide", title="风险管理指南 (beta)", body="Risk management in beta.")


def test_tokens_are_lowercased_words_and_cjk_bigrams() -> None:
    assert tokens("Risk-Management 风险管理指南 v2") == [
        "risk",
        "management",
        "风险",
        "险管",
        "管理",
        "理指",
        "指南",
        "v2",
    ]
    assert tokens("风") == ["风"]
    assert tokens("  ,;!  ") == []


@pytest.mark.usefixtures("bilingual")
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("风险", ["风险管理指南"]),
        ("管理指南", ["风险管理指南"]),
        ("险管", ["风险管理指南"]),
        ("升级", ["风险管理指南"]),
        ("风", ["风险管理指南"]),
        ("risk", ["Risk Management Guide"]),
        ("RISK management", ["Risk Management Guide"]),
        ("escalate", ["Risk Management Guide"]),
        ("manag", ["Risk Management Guide"]),
        ("risk 风险", []),
        ("baselines 变更", ["变更控制流程"]),
        ("治理", ["变更控制流程"]),
        ("spi", ["Earned value in one hour"]),
        ("nothing-like-this", []),
    ],
)
def test_search_finds_chinese_substrings_and_english_words(org_a: OrgWorld, query: str, expected: list[str]) -> None:
    assert titles(org_a, query=query) == expected


@pytest.mark.usefixtures("bilingual")
def test_search_never_returns_another_organisations_articles(org_a: OrgWorld, org_b: OrgWorld) -> None:
    assert "风险管理指南 (beta)" not in titles(org_a, role="admin", query="风险")
    assert titles(org_b, role="admin", query="风险") == ["风险管理指南 (beta)"]
    with org_a.ctx():
        assert [a.title for a in article_search(organization=org_a.organization, query="风险管理")] == ["风险管理指南"]


def test_search_follows_edits(org_a: OrgWorld) -> None:
    article = make_article(org_a, title="Stakeholder map")
    with org_a.ctx():
        article_update(organization=org_a.organization, actor=org_a.users["pmo"], article=article, title="干系人地图")

    assert titles(org_a, query="干系人") == ["干系人地图"]
    assert titles(org_a, query="stakeholder") == []


def test_drafts_are_found_only_by_their_author_and_managers(org_a: OrgWorld) -> None:
    make_article(org_a, "member", title="Draft about risks", published=False)

    found_by = {role for role in org_a.users if titles(org_a, role=role, query="risks")}

    assert found_by == {"member", "admin", "pmo"}


@pytest.mark.usefixtures("bilingual")
def test_filters_combine_with_the_search(org_a: OrgWorld) -> None:
    assert titles(org_a, query="风险", tag="风险") == ["风险管理指南"]
    assert titles(org_a, query="风险", tag="other") == []
    assert titles(org_a, kind="standard") == ["变更控制流程", "Risk Management Guide"]
    assert titles(org_a, category="治理") == ["变更控制流程"]


@pytest.mark.usefixtures("bilingual")
def test_the_list_page_searches_and_counts(org_a: OrgWorld) -> None:
    response = logged_in(org_a.users["viewer"]).get(page_url(org_a), {"q": "风险"})

    assert response.status_code == 200
    assert [a.title for a in response.context["articles"]] == ["风险管理指南"]
    assert response.context["total"] == 1
    content = response.content.decode()
    assert "1 result for “风险”" in content
    assert "(beta)" not in content


@pytest.mark.usefixtures("bilingual")
def test_the_api_searches(org_a: OrgWorld, api_client: Callable[[Any], Any]) -> None:
    client = api_client(org_a.users["viewer"])

    chinese = client.get(api_url(org_a), {"q": "管理"}).json()
    english = client.get(api_url(org_a), {"q": "Guide", "kind": "standard"}).json()

    assert [a["title"] for a in chinese["results"]] == ["风险管理指南"]
    assert (english["count"], english["results"][0]["title"]) == (1, "Risk Management Guide")
