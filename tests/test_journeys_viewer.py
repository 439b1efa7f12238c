"""The viewer's journey in Chromium on the demo data, in English (acme) and in Chinese (globex): log in and land on
the organisation's overview, which counts and lists only the projects shared with them; open one, read-only.

Screenshots: ``test-artifacts/journeys/viewer-*.png`` (README: overview-viewer-*.png)."""

from __future__ import annotations

from typing import Any

import pytest

from pmo.tenancy.roles import Role
from projects import permissions as project_permissions
from projects.models import Project, ProjectUserObjectPermission
from tests import journeys_support as j

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("language", j.LANGUAGES, ids=lambda language: language.code)
def test_viewer_lands_on_the_overview_of_the_projects_shared_with_them(
    live_server: Any, page: Any, language: j.Language
) -> None:
    j.seed_demo()
    viewer = j.demo_user(language, Role.VIEWER)
    organization = j.organization(language)
    with j.in_tenant(language):
        shared = ProjectUserObjectPermission.objects.filter(
            organization=organization, user=viewer, permission__codename=project_permissions.VIEW_CODENAME
        ).values("content_object")
        names = set(Project.objects.filter(organization=organization, pk__in=shared).values_list("name", flat=True))
    assert names, "the demo shares a project with the viewer"
    base, slug = live_server.url, language.org_slug
    page, watch = j.open_journey(page, base, language)

    j.log_in(page, base, viewer.email, label=f"viewer-{language.code}")
    assert page.url == f"{base}/o/{slug}/"
    assert page.get_by_test_id("org-name").inner_text() == organization.name
    assert page.get_by_test_id("project-total").inner_text() == str(len(names))
    listed = page.locator("main table.table tbody tr td a")
    assert set(listed.all_inner_texts()) == names
    j.shot(page, f"viewer-01-overview-{language.code}", readme=f"overview-viewer-{language.code}.png")
    j.at_tablet(page)
    assert j.no_sideways_scroll(page)
    j.at_desktop(page)

    # A shared project opens, read-only: no edit button.
    listed.first.click()
    page.wait_for_url(f"{base}/o/{slug}/projects/*/")
    assert j.main_heading(page) in names
    assert page.get_by_test_id("edit-project").count() == 0
    j.shot(page, f"viewer-02-project-{language.code}")

    watch.assert_clean()
