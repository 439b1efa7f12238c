"""The organisation pages for every role, for anonymous visitors and for users of another organisation;
the page actions (invite, change role, remove, revoke, settings); sign-in, password reset, language and the
organisation switcher."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth import SESSION_KEY, get_user_model
from django.core import mail
from django.test import Client

from pmo.tenancy.models import Invitation, Membership, Organization
from pmo.tenancy.permissions import object_permissions_grant
from pmo.tenancy.roles import CAPABILITIES, Capability
from projects import permissions as project_permissions
from tests.conftest import ROLES, OrgWorld
from tests.factories import PASSWORD, InvitationFactory, MembershipFactory, ProjectFactory

ALL = set(ROLES)
# page (under /o/<slug>/) → the roles that may open it; written out, and checked against roles.py below.
PAGES: dict[str, tuple[Capability, set[str]]] = {
    "": (Capability.ORG_VIEW, ALL),
    "overview/": (Capability.ORG_VIEW, ALL),
    "dashboard/": (Capability.DASHBOARD_VIEW, {"admin", "pmo", "executive"}),
    "cockpit/": (Capability.COCKPIT_VIEW, {"admin", "pmo"}),
    "my/": (Capability.MY_WORK, ALL - {"viewer"}),
    "projects/": (Capability.ORG_VIEW, ALL),
    "status/": (Capability.ORG_VIEW, ALL),
    "changes/": (Capability.ORG_VIEW, ALL),
    "meetings/weekly/": (Capability.MEETINGS_VIEW, {"admin", "pmo", "executive"}),
    "risks/": (Capability.ORG_VIEW, ALL),
    "alerts/": (Capability.ALERTS_VIEW, {"admin", "pmo", "executive", "manager"}),
    "alerts/rules/": (Capability.ALERTS_VIEW, {"admin", "pmo", "executive", "manager"}),
    "reports/": (Capability.ORG_VIEW, ALL),
    "reminders/": (Capability.PROJECTS_VIEW_ALL, {"admin", "pmo", "executive"}),
    "webhooks/": (Capability.WEBHOOKS_MANAGE, {"admin", "pmo"}),
    "resources/": (Capability.RESOURCES_VIEW, {"admin", "pmo", "executive", "manager"}),
    "timesheets/": (Capability.TIMESHEETS_SUBMIT, ALL - {"viewer"}),
    "intake/": (Capability.INTAKE_VIEW, {"admin", "pmo", "executive", "manager"}),
    "portfolios/": (Capability.PORTFOLIO_VIEW, {"admin", "pmo", "executive", "manager"}),
    "import/": (Capability.DATA_IMPORT, {"admin", "pmo", "manager"}),
    "templates/": (Capability.TEMPLATES_MANAGE, {"admin", "pmo"}),
    "dependencies/": (Capability.PROJECTS_VIEW_ALL, {"admin", "pmo", "executive"}),
    "knowledge/": (Capability.KNOWLEDGE_VIEW, ALL),
    "members/": (Capability.MEMBERS_VIEW, ALL - {"viewer"}),
    "settings/": (Capability.ORG_MANAGE, {"admin"}),
    "audit/": (Capability.AUDIT_VIEW, {"admin", "pmo"}),
}
NAV_KEYS = {"": "home", "overview/": "home", "dashboard/": "home", "cockpit/": "home", "my/": "home",
            "projects/": "projects", "portfolios/": "portfolios", "members/": "members",
            "settings/": "settings", "audit/": "audit", "templates/": "templates",
            "dependencies/": "dependencies", "intake/": "intake", "knowledge/": "knowledge",
            "status/": "status", "changes/": "changes", "meetings/weekly/": "meeting",
            "risks/": "risks", "resources/": "resources", "timesheets/": "timesheets",
            "alerts/": "alerts", "alerts/rules/": "alert_rules", "reports/": "reports", "reminders/": "reminders",
            "webhooks/": "webhooks", "import/": "import"}  # fmt: skip
# conftest: projects[0] is the manager's (the member may read it), projects[1] is shared with the viewer.
READABLE_PROJECT = {"admin": 2, "pmo": 2, "executive": 2, "manager": 0, "member": 0, "viewer": 1}
UNREADABLE_PROJECT = {"manager": 1, "member": 2, "viewer": 0}


def page_url(world: OrgWorld, page: str) -> str:
    return f"/o/{world.slug}/{page}"


def logged_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def membership_roles(world: OrgWorld) -> dict[str, str]:
    with world.ctx():
        return dict(Membership.objects.values_list("user__email", "role"))


def membership_pk(world: OrgWorld, role: str) -> int:
    with world.ctx():
        return Membership.objects.get(user=world.users[role]).pk


def invitation_rows(world: OrgWorld) -> list[tuple[Any, ...]]:
    with world.ctx():
        return list(Invitation.objects.order_by("pk").values_list("pk", "email", "role", "revoked_at"))


def organization_row(world: OrgWorld) -> dict[str, Any]:
    return dict(Organization.objects.filter(pk=world.organization.pk).values().get())


def db_state(*worlds: OrgWorld) -> list[Any]:
    return [(membership_roles(w), invitation_rows(w), organization_row(w)) for w in worlds]


def test_page_table_follows_the_capability_map() -> None:
    for capability, roles in PAGES.values():
        assert {str(r) for r in CAPABILITIES[capability]} == roles, capability


# --- Every page for every role


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", list(PAGES))
def test_page_matrix(org_a: OrgWorld, role: str, page: str) -> None:
    response = logged_in(org_a.users[role]).get(page_url(org_a, page))

    _, allowed = PAGES[page]
    assert response.status_code == (200 if role in allowed else 403)
    if response.status_code == 200:
        assert response.context["organization"] == org_a.organization
        assert response.context["access"].role == role


@pytest.mark.parametrize("role", ROLES)
def test_navigation_shows_exactly_the_allowed_pages(org_a: OrgWorld, role: str) -> None:
    response = logged_in(org_a.users[role]).get(page_url(org_a, ""))

    shown = set(re.findall(r'data-testid="nav-(\w+)"', response.content.decode()))
    assert shown == {NAV_KEYS[page] for page, (_, allowed) in PAGES.items() if role in allowed}


@pytest.mark.parametrize("role", ROLES)
def test_project_detail_matrix(org_a: OrgWorld, role: str) -> None:
    client = logged_in(org_a.users[role])
    readable = org_a.projects[READABLE_PROJECT[role]]

    response = client.get(page_url(org_a, f"projects/{readable.pk}/"))

    assert response.status_code == 200
    assert response.context["project"] == readable
    assert response.context["can_change"] == (role in {"admin", "pmo"} or role == "manager")
    if role in UNREADABLE_PROJECT:
        hidden = org_a.projects[UNREADABLE_PROJECT[role]]
        assert client.get(page_url(org_a, f"projects/{hidden.pk}/")).status_code == 404


@pytest.mark.parametrize("role", ROLES)
def test_project_list_shows_only_readable_projects(org_a: OrgWorld, org_b: OrgWorld, role: str) -> None:
    response = logged_in(org_a.users[role]).get(page_url(org_a, "projects/"))

    listed = {p.pk for p in response.context["projects"]}
    everything = {0, 1, 2}
    expected = {"admin": everything, "pmo": everything, "executive": everything}.get(
        role, {"manager": {0}, "member": {0}, "viewer": {1}}.get(role, set())
    )
    assert listed == {org_a.projects[i].pk for i in expected}
    content = response.content.decode()
    assert "BETA-" not in content
    for i in {0, 1, 2} - expected:
        assert f"ALPHA-{i}" not in content


def test_project_of_another_org_is_404_through_my_org(org_a: OrgWorld, org_b: OrgWorld) -> None:
    client = logged_in(org_a.users["admin"])

    for project in org_b.projects:
        assert client.get(page_url(org_a, f"projects/{project.pk}/")).status_code == 404


@pytest.mark.parametrize("page", [*PAGES, "projects/1/"])
def test_anonymous_is_sent_to_login(org_a: OrgWorld, page: str) -> None:
    for url in (page_url(org_a, page), f"/o/no-such-org/{page}"):
        response = Client().get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=")


@pytest.mark.parametrize("page", list(PAGES))
def test_every_role_of_another_org_gets_404(org_a: OrgWorld, org_b: OrgWorld, page: str) -> None:
    for role in ROLES:
        response = logged_in(org_b.users[role]).get(page_url(org_a, page))
        assert response.status_code == 404, role
    assert logged_in(org_b.users["admin"]).get(page_url(org_a, f"projects/{org_a.projects[0].pk}/")).status_code == 404
    assert logged_in(org_b.users["admin"]).get(f"/o/no-such-org/{page}").status_code == 404


def test_an_inactive_org_is_404_for_its_members(org_a: OrgWorld) -> None:
    Organization.objects.filter(pk=org_a.organization.pk).update(is_active=False)

    assert logged_in(org_a.users["admin"]).get(page_url(org_a, "")).status_code == 404


# --- Page actions


def actions(org_a: OrgWorld, target_org: OrgWorld | None = None) -> list[tuple[str, dict[str, str]]]:
    """Every POST action of the organisation pages, aimed at objects of ``target_org`` (default ``org_a``)."""
    target = target_org or org_a
    invitation = InvitationFactory(organization=target.organization, email=f"open@{target.slug}.test")
    return [
        (page_url(org_a, "members/"), {"email": "someone@example.test", "role": "admin"}),
        (page_url(org_a, f"members/{membership_pk(target, 'member')}/role/"), {"role": "admin"}),
        (page_url(org_a, f"members/{membership_pk(target, 'manager')}/remove/"), {}),
        (page_url(org_a, f"invitations/{invitation.pk}/revoke/"), {}),
        (page_url(org_a, "settings/"), {"name": "Hijacked", "pmo_type": "directive", "time_zone": "UTC",
                                        "currency": "USD", "default_language": "en"}),
    ]  # fmt: skip


def test_every_action_by_every_role_of_another_org_is_404_and_changes_nothing(org_a: OrgWorld, org_b: OrgWorld) -> None:
    posts = actions(org_a)
    before = db_state(org_a, org_b)

    for role in ROLES:
        client = logged_in(org_b.users[role])
        for url, data in posts:
            assert client.post(url, data).status_code == 404, (role, url)

    assert db_state(org_a, org_b) == before


def test_actions_on_another_orgs_objects_through_my_org_are_404(org_a: OrgWorld, org_b: OrgWorld) -> None:
    posts = actions(org_a, target_org=org_b)[1:4]
    before = db_state(org_a, org_b)
    client = logged_in(org_a.users["admin"])

    for url, data in posts:
        assert client.post(url, data).status_code == 404, url

    assert db_state(org_a, org_b) == before


@pytest.mark.parametrize("role", [r for r in ROLES if r != "admin"])
def test_actions_need_the_admin_role(org_a: OrgWorld, org_b: OrgWorld, role: str) -> None:
    posts = actions(org_a)
    before = db_state(org_a, org_b)
    client = logged_in(org_a.users[role])

    for url, data in posts:
        assert client.post(url, data).status_code == 403, url

    assert db_state(org_a, org_b) == before


def test_admin_invites_through_the_page(org_a: OrgWorld, django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = logged_in(org_a.users["admin"]).post(
            page_url(org_a, "members/"), {"email": "Someone@Example.test", "role": "pmo"}
        )

    assert response.status_code == 302
    assert response["Location"] == page_url(org_a, "members/")
    assert [(r[1], r[2]) for r in invitation_rows(org_a)] == [("someone@example.test", "pmo")]
    assert [m.to for m in mail.outbox] == [["someone@example.test"]]


@pytest.mark.parametrize(
    "data",
    [
        {"email": "not-an-email", "role": "pmo"},
        {"email": "someone@example.test", "role": "owner"},
        {"email": "member@alpha.test", "role": "pmo"},
    ],
    ids=["bad-email", "bad-role", "existing-member"],
)
def test_a_refused_invitation_shows_the_form_again(org_a: OrgWorld, data: dict[str, str]) -> None:
    before = db_state(org_a)

    response = logged_in(org_a.users["admin"]).post(page_url(org_a, "members/"), data)

    assert response.status_code == 400
    assert response.context["invite_form"].errors
    assert db_state(org_a) == before


def test_a_duplicate_invitation_is_refused_on_the_page(org_a: OrgWorld) -> None:
    InvitationFactory(organization=org_a.organization, email="dup@example.test")
    before = db_state(org_a)

    response = logged_in(org_a.users["admin"]).post(
        page_url(org_a, "members/"), {"email": "dup@example.test", "role": "pmo"}
    )

    assert response.status_code == 400
    assert "email" in response.context["invite_form"].errors
    assert db_state(org_a) == before


def test_admin_changes_a_role_and_removes_a_member(org_a: OrgWorld) -> None:
    client = logged_in(org_a.users["admin"])

    changed = client.post(page_url(org_a, f"members/{membership_pk(org_a, 'member')}/role/"), {"role": "manager"})
    removed = client.post(page_url(org_a, f"members/{membership_pk(org_a, 'viewer')}/remove/"))

    assert (changed.status_code, removed.status_code) == (302, 302)
    roles = membership_roles(org_a)
    assert roles["member@alpha.test"] == "manager"
    assert "viewer@alpha.test" not in roles
    assert len(roles) == 5


def test_admin_revokes_an_invitation(org_a: OrgWorld) -> None:
    invitation = InvitationFactory(organization=org_a.organization)

    response = logged_in(org_a.users["admin"]).post(page_url(org_a, f"invitations/{invitation.pk}/revoke/"))

    assert response.status_code == 302
    assert invitation_rows(org_a)[0][3] is not None


def test_an_unknown_role_on_the_page_changes_nothing(org_a: OrgWorld) -> None:
    before = db_state(org_a)

    response = logged_in(org_a.users["admin"]).post(
        page_url(org_a, f"members/{membership_pk(org_a, 'member')}/role/"), {"role": "owner"}, follow=True
    )

    assert response.status_code == 200
    assert [str(m) for m in response.context["messages"]] == ["Choose a valid role."]
    assert db_state(org_a) == before


@pytest.mark.parametrize("action", ["role/", "remove/"])
def test_the_last_admin_stays_on_the_page(org_a: OrgWorld, action: str) -> None:
    before = db_state(org_a)

    response = logged_in(org_a.users["admin"]).post(
        page_url(org_a, f"members/{membership_pk(org_a, 'admin')}/{action}"), {"role": "viewer"}, follow=True
    )

    assert response.status_code == 200
    assert [str(m) for m in response.context["messages"]] == ["An organisation needs at least one administrator."]
    assert db_state(org_a) == before


def test_admin_saves_settings(org_a: OrgWorld) -> None:
    data = {"name": "Alpha Group", "pmo_type": "directive", "time_zone": "Europe/Berlin", "currency": "EUR",
            "default_language": "zh-hans"}  # fmt: skip

    response = logged_in(org_a.users["admin"]).post(page_url(org_a, "settings/"), data)

    assert response.status_code == 302
    row = organization_row(org_a)
    assert {key: row[key] for key in data} == data
    assert row["slug"] == "alpha"


def test_bad_settings_change_nothing(org_a: OrgWorld) -> None:
    before = organization_row(org_a)
    data = {"name": "Alpha Group", "pmo_type": "directive", "time_zone": "Mars/Olympus", "currency": "EUR",
            "default_language": "en"}  # fmt: skip

    response = logged_in(org_a.users["admin"]).post(page_url(org_a, "settings/"), data)

    assert response.status_code == 400
    assert "time_zone" in response.context["form"].errors
    assert organization_row(org_a) == before


# --- Query counts


def add_projects(world: OrgWorld, count: int) -> None:
    with world.ctx():
        for i in range(count):
            project = ProjectFactory(organization=world.organization, code=f"X-{i:03d}", manager=world.users["pmo"])
            object_permissions_grant(
                organization=world.organization,
                obj=project,
                user=world.users["member"],
                codenames=[project_permissions.VIEW_CODENAME],
            )


@pytest.mark.parametrize("role", ["admin", "member"])
@pytest.mark.parametrize("extra", [0, 27])
# The project list also loads the choices of its filter bar (portfolios, programmes, managers, templates, tags)
# and counts the rows for its pager.
@pytest.mark.parametrize(("page", "bound"), [("overview/", 14), ("projects/", 18)])
def test_page_query_count_does_not_grow_with_rows(
    org_a: OrgWorld, django_assert_max_num_queries: Any, role: str, extra: int, page: str, bound: int
) -> None:
    add_projects(org_a, extra)
    client = logged_in(org_a.users[role])

    with django_assert_max_num_queries(bound):
        response = client.get(page_url(org_a, page))

    assert response.status_code == 200
    expected = {"admin": 3, "member": 1}[role] + extra
    if page == "overview/":
        assert response.context["project_total"] == expected
    else:
        assert len(response.context["projects"]) == expected


# --- Organisation switcher


def switcher_entries(response: Any) -> list[str]:
    block = re.search(r'data-testid="org-switcher">(.*?)</details>', response.content.decode(), re.S)
    assert block is not None
    return re.findall(r'href="/o/([\w-]+)/"', block.group(1))


def test_switcher_lists_only_my_organisations(org_a: OrgWorld, org_b: OrgWorld) -> None:
    response = logged_in(org_a.users["member"]).get(page_url(org_a, ""))

    assert switcher_entries(response) == ["alpha"]
    assert [m.organization.slug for m in response.context["my_memberships"]] == ["alpha"]
    assert "Beta Ltd" not in response.content.decode()


def test_switcher_lists_both_organisations_of_a_user_in_two(org_a: OrgWorld, org_b: OrgWorld) -> None:
    user = org_a.users["member"]
    MembershipFactory(organization=org_b.organization, user=user, role="pmo")
    client = logged_in(user)

    for world in (org_a, org_b):
        response = client.get(page_url(world, ""))
        assert response.status_code == 200
        assert switcher_entries(response) == ["alpha", "beta"]
    chooser = client.get("/")
    assert chooser.status_code == 200
    assert [m.organization.slug for m in chooser.context["memberships"]] == ["alpha", "beta"]


def test_home_goes_straight_to_the_only_organisation(org_a: OrgWorld) -> None:
    response = logged_in(org_a.users["viewer"]).get("/")

    assert response.status_code == 302
    assert response["Location"] == page_url(org_a, "")


# --- Language


def test_language_switch_saves_the_choice_and_sets_the_cookie(org_a: OrgWorld) -> None:
    user = org_a.users["member"]
    client = logged_in(user)

    response = client.post("/accounts/language/", {"language": "zh-hans", "next": page_url(org_a, "projects/")})

    assert response.status_code == 302
    assert response["Location"] == page_url(org_a, "projects/")
    assert response.cookies["django_language"].value == "zh-hans"
    user.refresh_from_db()
    assert user.language == "zh-hans"
    assert '<html lang="zh-hans">' in client.get(page_url(org_a, "")).content.decode()


def test_language_switch_refuses_unknown_languages_and_foreign_redirects(org_a: OrgWorld) -> None:
    user = org_a.users["member"]
    client = logged_in(user)

    unknown = client.post("/accounts/language/", {"language": "fr", "next": "/"})
    foreign = client.post("/accounts/language/", {"language": "en", "next": "https://evil.example/"})

    assert unknown.status_code == 302
    assert "django_language" not in unknown.cookies
    assert foreign["Location"] == "/"
    user.refresh_from_db()
    assert user.language == "en"


def test_language_switch_for_anonymous_sets_only_the_cookie(org_a: OrgWorld) -> None:
    response = Client().post("/accounts/language/", {"language": "zh-hans"})

    assert response.cookies["django_language"].value == "zh-hans"
    assert get_user_model().objects.filter(language="zh-hans").count() == 0


def test_language_switch_needs_post(db: None) -> None:
    assert Client().get("/accounts/language/?language=zh-hans").status_code == 405


def test_pages_use_the_org_language_until_the_user_chooses(org_a: OrgWorld) -> None:
    Organization.objects.filter(pk=org_a.organization.pk).update(default_language="zh-hans")
    user = org_a.users["member"]
    client = logged_in(user)

    assert '<html lang="zh-hans">' in client.get(page_url(org_a, "")).content.decode()
    user.language = "en"
    user.save(update_fields=["language"])
    assert '<html lang="en">' in client.get(page_url(org_a, "")).content.decode()


# --- Sign-in and password reset


def test_login_with_email_in_any_case(org_a: OrgWorld) -> None:
    client = Client()

    response = client.post("/accounts/login/", {"username": "MANAGER@Alpha.Test", "password": PASSWORD})

    assert response.status_code == 302
    assert int(client.session[SESSION_KEY]) == org_a.users["manager"].pk
    assert client.get(page_url(org_a, "")).status_code == 200


def test_login_with_a_wrong_password_fails(org_a: OrgWorld) -> None:
    client = Client()

    response = client.post("/accounts/login/", {"username": "manager@alpha.test", "password": "wrong-password"})

    assert response.status_code == 200
    assert response.context["form"].errors
    assert SESSION_KEY not in client.session


def test_password_reset_sends_a_working_link(org_a: OrgWorld) -> None:
    user = org_a.users["viewer"]
    client = Client()

    response = client.post("/accounts/password/reset/", {"email": "Viewer@Alpha.test"})

    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [user.email]
    match = re.search(r"https?://[^/\s]+(/accounts/password/reset/\S+/\S+/)", mail.outbox[0].body)
    assert match is not None
    form_page = client.get(match.group(1), follow=True)
    assert form_page.status_code == 200
    new_password = "brand-New-secret-77"
    done = client.post(form_page.redirect_chain[-1][0], {"new_password1": new_password, "new_password2": new_password})
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.check_password(new_password)


def test_password_reset_for_an_unknown_address_sends_nothing(org_a: OrgWorld) -> None:
    response = Client().post("/accounts/password/reset/", {"email": "nobody@alpha.test"})

    assert response.status_code == 302
    assert mail.outbox == []


# --- Landing workspaces


@pytest.mark.parametrize(
    ("role", "workspace"),
    [("admin", "cockpit"), ("pmo", "cockpit"), ("executive", "dashboard"), ("manager", "mywork"),
     ("member", "mywork"), ("viewer", "overview")],
)  # fmt: skip
def test_home_renders_the_landing_workspace_of_the_role(org_a: OrgWorld, role: str, workspace: str) -> None:
    response = logged_in(org_a.users[role]).get(page_url(org_a, ""))

    assert response.status_code == 200
    assert response.context["workspace_key"] == workspace
    tabs = [tab["key"] for tab in response.context["workspace_tabs"]]
    # The strip lists the landing workspace first, then only the others the role may open.
    assert tabs[:1] == ([workspace] if len(tabs) > 1 else [])
    assert ("dashboard" in tabs) == (role in {"admin", "pmo", "executive"})
    assert ("cockpit" in tabs) == (role in {"admin", "pmo"})


def test_home_of_another_organisation_is_404(org_a: OrgWorld, org_b: OrgWorld) -> None:
    assert logged_in(org_a.users["pmo"]).get(page_url(org_b, "")).status_code == 404
