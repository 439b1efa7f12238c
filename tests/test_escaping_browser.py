"""In Chromium: pages full of hostile tenant text (the project register, a project's overview and its risks, the
dashboard, the knowledge article) open without a single script of that text running — no dialog fires — and show
the text as text. The dialog watch is proven live at the end by a dialog the test opens itself.
(The page-by-page markup checks over every page are in ``test_escaping.py``.)"""

from __future__ import annotations

from typing import Any

import pytest

from pmo.tenancy.models import Organization
from projects.knowledge.models import Article
from projects.knowledge.services import article_create
from projects.models import Project
from risks.models import Risk
from risks.services import risk_create
from tests.conftest import ARTIFACTS, build_world
from tests.factories import PASSWORD
from tests.test_escaping import PAYLOAD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTICLE = f"""# {PAYLOAD}

<img src=x onerror="alert('md')"> <svg onload="alert('svg')"></svg> [link](javascript:alert('link'))
"""


def test_hostile_text_fires_no_dialog(live_server: Any, page: Any) -> None:
    world = build_world("xss")
    project = world.projects[0]
    with world.ctx():
        Project.objects.filter(organization=world.organization, pk=project.pk).update(name=PAYLOAD, description=PAYLOAD)
        risk_create(
            organization=world.organization,
            actor=world.users["pmo"],
            project=project,
            title=PAYLOAD,
            category=Risk.Category.choices[0][0],
            probability=5,
            impact=5,
            cause=PAYLOAD,
            response_plan=PAYLOAD,
            owner=world.users["manager"],
        )
        article: Article = article_create(
            organization=world.organization,
            actor=world.users["pmo"],
            title=PAYLOAD,
            body=ARTICLE,
            kind=Article.Kind.STANDARD,
            published=True,
        )
    Organization.objects.filter(pk=world.organization.pk).update(name=PAYLOAD)
    dialogs: list[str] = []

    def seen(dialog: Any) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", seen)
    base = live_server.url
    page.goto(f"{base}/accounts/login/")
    page.locator("[name=username]").fill(world.users["admin"].email)
    page.locator("[name=password]").fill(PASSWORD)
    page.get_by_test_id("login-submit").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)

    prefix = f"{base}/o/{world.slug}"
    for path in (
        "/projects/",
        f"/projects/{project.pk}/",
        f"/projects/{project.pk}/raid/",
        "/dashboard/",
        f"/knowledge/{article.pk}/",
    ):
        response = page.goto(prefix + path)
        assert response is not None and response.status == 200, path
        page.wait_for_load_state("load")
        page.wait_for_timeout(200)  # an onerror fires once the broken image fails to load
        assert page.get_by_text(PAYLOAD, exact=False).count() >= 1, path
        assert page.locator("img[onerror], svg[onload], a[href^='javascript:']").count() == 0, path
    ARTIFACTS.mkdir(exist_ok=True)
    page.goto(f"{prefix}/projects/{project.pk}/")
    page.screenshot(path=str(ARTIFACTS / "escaping-overview.png"), full_page=True)

    assert dialogs == []
    page.evaluate("() => alert('probe')")
    assert dialogs == ["probe"]
