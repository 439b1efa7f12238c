"""Organisations, members and invitations over the API, and accepting an invitation through its web link.

Every write is checked for all six roles and for a user of another organisation (404); every denial also
checks that the database did not change, read inside the organisation's tenant context (RLS is active).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.db import transaction
from django.test import Client
from django.utils import timezone, translation
from django.utils.translation import gettext
from rest_framework.test import APIClient

from pmo.tenancy import context, services
from pmo.tenancy.models import Invitation, Membership, Organization
from pmo.tenancy.roles import capabilities_of
from pmo.tenancy.tasks import send_invitation_email
from tests.conftest import ROLES, OrgWorld
from tests.factories import InvitationFactory, MembershipFactory, UserFactory

ApiClientFactory = Callable[[Any], APIClient]

OUTSIDER = "other-org-admin"
ACTORS = [*ROLES, OUTSIDER]
# The specification, written out rather than read from roles.py, so that a wrong capability map fails here.
MEMBER_READERS = {"admin", "pmo", "executive", "manager", "member"}
ADMINS = {"admin"}


def acting_user(org_a: OrgWorld, org_b: OrgWorld, who: str) -> Any:
    return org_b.users["admin"] if who == OUTSIDER else org_a.users[who]


def expected_status(who: str, allowed: set[str], ok: int) -> int:
    if who == OUTSIDER:
        return 404
    return ok if who in allowed else 403


def membership_roles(world: OrgWorld) -> dict[str, str]:
    with world.ctx():
        return dict(Membership.objects.values_list("user__email", "role"))


def membership_pk(world: OrgWorld, role: str) -> int:
    with world.ctx():
        return Membership.objects.get(user=world.users[role]).pk


def invitation_rows(world: OrgWorld) -> list[tuple[Any, ...]]:
    with world.ctx():
        return list(Invitation.objects.order_by("pk").values_list("pk", "email", "role", "revoked_at", "accepted_at"))


def organization_row(world: OrgWorld) -> dict[str, Any]:
    return dict(Organization.objects.filter(pk=world.organization.pk).values().get())


def org_url(world: OrgWorld, rest: str = "") -> str:
    return f"/api/v1/orgs/{world.slug}/{rest}"


# --- My organisations


def test_orgs_lists_exactly_my_organisations(org_a: OrgWorld, org_b: OrgWorld, api_client: ApiClientFactory) -> None:
    response = api_client(org_a.users["manager"]).get("/api/v1/orgs/")

    assert response.status_code == 200
    assert [(o["slug"], o["role"]) for o in response.json()] == [("alpha", "manager")]
    assert set(response.json()[0]) == {
        "slug",
        "name",
        "pmo_type",
        "time_zone",
        "currency",
        "default_language",
        "role",
    }


def test_orgs_lists_both_organisations_of_a_user_in_two(
    org_a: OrgWorld, org_b: OrgWorld, api_client: ApiClientFactory
) -> None:
    user = org_a.users["manager"]
    MembershipFactory(organization=org_b.organization, user=user, role="viewer")
    stranger_org = Organization.objects.create(slug="gamma", name="Gamma Ltd")
    MembershipFactory(organization=stranger_org, user=UserFactory(email="x@gamma.test"), role="admin")

    response = api_client(user).get("/api/v1/orgs/")

    assert response.status_code == 200
    assert [(o["slug"], o["name"], o["role"]) for o in response.json()] == [
        ("alpha", "Alpha Ltd", "manager"),
        ("beta", "Beta Ltd", "viewer"),
    ]


def test_orgs_leaves_out_inactive_organisations(org_a: OrgWorld, org_b: OrgWorld, api_client: ApiClientFactory) -> None:
    user = org_a.users["pmo"]
    MembershipFactory(organization=org_b.organization, user=user, role="pmo")
    Organization.objects.filter(pk=org_b.organization.pk).update(is_active=False)

    response = api_client(user).get("/api/v1/orgs/")

    assert [o["slug"] for o in response.json()] == ["alpha"]
    assert api_client(user).get(org_url(org_b)).status_code == 404


def test_rls_lets_a_user_read_only_their_own_memberships(org_a: OrgWorld, org_b: OrgWorld) -> None:
    user = org_a.users["executive"]
    MembershipFactory(organization=org_b.organization, user=user, role="member")

    with transaction.atomic():
        context.activate(None)
        context.set_db_user(user.pk)
        rows = list(Membership.dangerously_unscoped.values_list("user_id", "organization_id"))
        context.set_db_user(None)
        nothing = list(Membership.dangerously_unscoped.all())

    assert sorted(rows) == sorted([(user.pk, org_a.organization.pk), (user.pk, org_b.organization.pk)])
    assert nothing == []


# --- One organisation


@pytest.mark.parametrize("role", ROLES)
def test_org_detail_shows_my_role_and_capabilities(
    org_a: OrgWorld, org_b: OrgWorld, api_client: ApiClientFactory, role: str
) -> None:
    response = api_client(org_a.users[role]).get(org_url(org_a))

    assert response.status_code == 200
    body = response.json()
    assert body["slug"] == "alpha"
    assert body["name"] == "Alpha Ltd"
    assert body["role"] == role
    assert body["capabilities"] == sorted(str(c) for c in capabilities_of(role))
    assert ("org.manage" in body["capabilities"]) == (role == "admin")
    assert ("members.view" in body["capabilities"]) == (role != "viewer")


def test_org_detail_is_404_for_every_role_of_another_org_same_as_unknown(
    org_a: OrgWorld, org_b: OrgWorld, api_client: ApiClientFactory
) -> None:
    unknown = api_client(org_b.users["admin"]).get("/api/v1/orgs/no-such-org/")
    assert unknown.status_code == 404

    for role in ROLES:
        response = api_client(org_b.users[role]).get(org_url(org_a))
        assert response.status_code == 404, role
        assert response.json() == unknown.json()


def test_org_detail_of_an_inactive_org_is_404(org_a: OrgWorld, api_client: ApiClientFactory) -> None:
    Organization.objects.filter(pk=org_a.organization.pk).update(is_active=False)

    assert api_client(org_a.users["admin"]).get(org_url(org_a)).status_code == 404


@pytest.mark.parametrize("who", ACTORS)
def test_patch_org_matrix(org_a: OrgWorld, org_b: OrgWorld, api_client: ApiClientFactory, who: str) -> None:
    before_a, before_b = organization_row(org_a), organization_row(org_b)

    response = api_client(acting_user(org_a, org_b, who)).patch(
        org_url(org_a),
        {"name": "Renamed", "pmo_type": "directive", "time_zone": "Europe/Berlin"},
        format="json",
    )

    assert response.status_code == expected_status(who, ADMINS, 200)
    assert organization_row(org_b) == before_b
    if response.status_code == 200:
        assert response.json()["name"] == "Renamed"
        after = organization_row(org_a)
        assert (after["name"], after["pmo_type"], after["time_zone"]) == (
            "Renamed",
            "directive",
            "Europe/Berlin",
        )
        assert after["slug"] == "alpha"
    else:
        assert organization_row(org_a) == before_a


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"time_zone": "Mars/Olympus_Mons"}, "time_zone"),
        ({"pmo_type": "chaotic"}, "pmo_type"),
        ({"default_language": "fr"}, "default_language"),
        ({"name": ""}, "name"),
        ({"currency": "EURO"}, "currency"),
    ],
)
def test_patch_org_bad_input_is_a_field_error_and_changes_nothing(
    org_a: OrgWorld, api_client: ApiClientFactory, payload: dict[str, str], field: str
) -> None:
    before = organization_row(org_a)

    response = api_client(org_a.users["admin"]).patch(org_url(org_a), payload, format="json")

    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert organization_row(org_a) == before


def test_patch_org_cannot_change_the_slug(org_a: OrgWorld, api_client: ApiClientFactory) -> None:
    response = api_client(org_a.users["admin"]).patch(org_url(org_a), {"slug": "hijacked"}, format="json")

    assert response.status_code == 200
    assert organization_row(org_a)["slug"] == "alpha"


# --- Members


@pytest.mark.parametrize("who", ACTORS)
def test_members_list_matrix(org_a: OrgWorld, org_b: OrgWorld, api_client: ApiClientFactory, who: str) -> None:
    response = api_client(acting_user(org_a, org_b, who)).get(org_url(org_a, "members/"))

    assert response.status_code == expected_status(who, MEMBER_READERS, 200)
    if response.status_code == 200:
        body = response.json()
        assert body["count"] == 6
        emails = [m["email"] for m in body["results"]]
        assert emails == sorted(f"{role}@alpha.test" for role in ROLES)
        assert {m["role"] for m in body["results"]} == set(ROLES)
    else:
        assert "results" not in response.json()


@pytest.mark.parametrize("who", ACTORS)
def test_member_retrieve_matrix(org_a: OrgWorld, org_b: OrgWorld, api_client: ApiClientFactory, who: str) -> None:
    pk = membership_pk(org_a, "member")

    response = api_client(acting_user(org_a, org_b, who)).get(org_url(org_a, f"members/{pk}/"))

    assert response.status_code == expected_status(who, MEMBER_READERS, 200)
    if response.status_code == 200:
        assert response.json() == {
            "id": pk,
            "email": "member@alpha.test",
            "full_name": "Member of alpha",
            "role": "member",
            "created_at": response.json()["created_at"],
        }


def test_member_of_another_org_is_404_through_my_org(
    org_a: OrgWorld, org_b: OrgWorld, api_client: ApiClientFactory
) -> None:
    foreign = membership_pk(org_b, "member")
    missing = api_client(org_a.users["admin"]).get(org_url(org_a, "members/999999999/"))

    response = api_client(org_a.users["admin"]).get(org_url(org_a, f"members/{foreign}/"))

    assert response.status_code == 404
    assert response.json() == missing.json()


@pytest.mark.parametrize("who", ACTORS)
def test_member_change_role_matrix(org_a: OrgWorld, org_b: OrgWorld, api_client: ApiClientFactory, who: str) -> None:
    pk = membership_pk(org_a, "member")
    before_a, before_b = membership_roles(org_a), membership_roles(org_b)

    response = api_client(acting_user(org_a, org_b, who)).patch(
        org_url(org_a, f"members/{pk}/"), {"role": "pmo"}, format="json"
    )

    assert response.status_code == expected_status(who, ADMINS, 200)
    assert membership_roles(org_b) == before_b
    if response.status_code == 200:
        assert response.json()["role"] == "pmo"
        assert response.json()["email"] == "member@alpha.test"
        assert membership_roles(org_a) == {**before_a, "member@alpha.test": "pmo"}
    else:
        assert membership_roles(org_a) == before_a


@pytest.mark.parametrize("who", ACTORS)
def test_member_remove_matrix(org_a: OrgWorld, org_b: OrgWorld, api_client: ApiClientFactory, who: str) -> None:
    pk = membership_pk(org_a, "manager")
    before_a, before_b = membership_roles(org_a), membership_roles(org_b)

    response = api_client(acting_user(org_a, org_b, who)).delete(org_url(org_a, f"members/{pk}/"))

    assert response.status_code == expected_status(who, ADMINS, 204)
    assert membership_roles(org_b) == before_b
    if response.status_code == 204:
        expected = dict(before_a)
        del expected["manager@alpha.test"]
        assert membership_roles(org_a) == expected
    else:
        assert membership_roles(org_a) == before_a


def test_removed_member_loses_access(org_a: OrgWorld, api_client: ApiClientFactory) -> None:
    member_client = api_client(org_a.users["member"])
    assert member_client.get(org_url(org_a)).status_code == 200

    response = api_client(org_a.users["admin"]).delete(org_url(org_a, f"members/{membership_pk(org_a, 'member')}/"))

    assert response.status_code == 204
    assert member_client.get(org_url(org_a)).status_code == 404
    assert member_client.get("/api/v1/orgs/").json() == []


@pytest.mark.parametrize("method", ["patch", "delete"])
def test_member_writes_on_another_orgs_membership_are_404(
    org_a: OrgWorld, org_b: OrgWorld, api_client: ApiClientFactory, method: str
) -> None:
    foreign = membership_pk(org_b, "member")
    before_a, before_b = membership_roles(org_a), membership_roles(org_b)

    client = api_client(org_a.users["admin"])
    response = getattr(client, method)(org_url(org_a, f"members/{foreign}/"), {"role": "admin"}, format="json")

    assert response.status_code == 404
    assert membership_roles(org_a) == before_a
    assert membership_roles(org_b) == before_b


@pytest.mark.parametrize("role", ["superuser", "", None])
def test_member_change_role_rejects_an_unknown_role(org_a: OrgWorld, api_client: ApiClientFactory, role: Any) -> None:
    before = membership_roles(org_a)

    response = api_client(org_a.users["admin"]).patch(
        org_url(org_a, f"members/{membership_pk(org_a, 'member')}/"), {"role": role}, format="json"
    )

    assert response.status_code == 400
    assert list(response.json()) == ["role"]
    assert membership_roles(org_a) == before


def test_last_admin_cannot_be_demoted(org_a: OrgWorld, api_client: ApiClientFactory) -> None:
    before = membership_roles(org_a)

    response = api_client(org_a.users["admin"]).patch(
        org_url(org_a, f"members/{membership_pk(org_a, 'admin')}/"), {"role": "pmo"}, format="json"
    )

    assert response.status_code == 400
    assert list(response.json()) == ["role"]
    assert membership_roles(org_a) == before


def test_last_admin_cannot_be_removed(org_a: OrgWorld, api_client: ApiClientFactory) -> None:
    before = membership_roles(org_a)

    response = api_client(org_a.users["admin"]).delete(org_url(org_a, f"members/{membership_pk(org_a, 'admin')}/"))

    assert response.status_code == 400
    assert set(response.json()) == {"detail"}
    assert membership_roles(org_a) == before


def test_an_admin_may_step_down_when_another_admin_remains(org_a: OrgWorld, api_client: ApiClientFactory) -> None:
    client = api_client(org_a.users["admin"])
    assert (
        client.patch(
            org_url(org_a, f"members/{membership_pk(org_a, 'pmo')}/"), {"role": "admin"}, format="json"
        ).status_code
        == 200
    )

    response = client.patch(org_url(org_a, f"members/{membership_pk(org_a, 'admin')}/"), {"role": "pmo"}, format="json")

    assert response.status_code == 200
    roles = membership_roles(org_a)
    assert (roles["admin@alpha.test"], roles["pmo@alpha.test"]) == ("pmo", "admin")
    assert client.get(org_url(org_a)).json()["role"] == "pmo"


def test_members_put_is_not_allowed(org_a: OrgWorld, api_client: ApiClientFactory) -> None:
    before = membership_roles(org_a)

    response = api_client(org_a.users["admin"]).put(
        org_url(org_a, f"members/{membership_pk(org_a, 'member')}/"), {"role": "admin"}, format="json"
    )

    assert response.status_code == 405
    assert membership_roles(org_a) == before


# --- Invitations


@pytest.mark.parametrize("who", ACTORS)
def test_invitations_list_matrix(org_a: OrgWorld, org_b: OrgWorld, api_client: ApiClientFactory, who: str) -> None:
    mine = InvitationFactory(organization=org_a.organization, email="new@alpha.test", invited_by=org_a.users["admin"])
    InvitationFactory(organization=org_b.organization, email="new@beta.test")

    response = api_client(acting_user(org_a, org_b, who)).get(org_url(org_a, "invitations/"))

    assert response.status_code == expected_status(who, ADMINS, 200)
    if response.status_code == 200:
        results = response.json()["results"]
        assert [(i["id"], i["email"], i["state"], i["invited_by"]) for i in results] == [
            (mine.pk, "new@alpha.test", "open", "admin@alpha.test")
        ]


@pytest.mark.parametrize("who", ACTORS)
def test_invitation_create_matrix(org_a: OrgWorld, org_b: OrgWorld, api_client: ApiClientFactory, who: str) -> None:
    before_b = invitation_rows(org_b)

    response = api_client(acting_user(org_a, org_b, who)).post(
        org_url(org_a, "invitations/"), {"email": "New.Person@Example.test", "role": "manager"}, format="json"
    )

    assert response.status_code == expected_status(who, ADMINS, 201)
    assert invitation_rows(org_b) == before_b
    rows = invitation_rows(org_a)
    if response.status_code == 201:
        assert [(r[1], r[2]) for r in rows] == [("new.person@example.test", "manager")]
        body = response.json()
        assert (body["email"], body["role"], body["state"], body["invited_by"]) == (
            "new.person@example.test",
            "manager",
            "open",
            "admin@alpha.test",
        )
    else:
        assert rows == []


@pytest.mark.parametrize("who", ACTORS)
def test_invitation_revoke_matrix(org_a: OrgWorld, org_b: OrgWorld, api_client: ApiClientFactory, who: str) -> None:
    invitation = InvitationFactory(organization=org_a.organization, email="new@alpha.test")
    before_a, before_b = invitation_rows(org_a), invitation_rows(org_b)

    response = api_client(acting_user(org_a, org_b, who)).post(org_url(org_a, f"invitations/{invitation.pk}/revoke/"))

    assert response.status_code == expected_status(who, ADMINS, 200)
    assert invitation_rows(org_b) == before_b
    if response.status_code == 200:
        assert response.json()["state"] == "revoked"
        with org_a.ctx():
            assert Invitation.objects.get(pk=invitation.pk).revoked_at is not None
    else:
        assert invitation_rows(org_a) == before_a


def test_invitation_of_another_org_is_404_through_my_org(
    org_a: OrgWorld, org_b: OrgWorld, api_client: ApiClientFactory
) -> None:
    foreign = InvitationFactory(organization=org_b.organization, email="new@beta.test")
    before = invitation_rows(org_b)
    client = api_client(org_a.users["admin"])

    assert client.get(org_url(org_a, f"invitations/{foreign.pk}/")).status_code == 404
    assert client.post(org_url(org_a, f"invitations/{foreign.pk}/revoke/")).status_code == 404
    assert invitation_rows(org_b) == before


def test_revoking_twice_is_a_400(org_a: OrgWorld, api_client: ApiClientFactory) -> None:
    invitation = InvitationFactory(organization=org_a.organization, revoked_at=timezone.now())
    before = invitation_rows(org_a)

    response = api_client(org_a.users["admin"]).post(org_url(org_a, f"invitations/{invitation.pk}/revoke/"))

    assert response.status_code == 400
    assert set(response.json()) == {"detail"}
    assert invitation_rows(org_a) == before


@pytest.mark.parametrize("email", ["dup@example.test", "DUP@Example.TEST"])
def test_duplicate_open_invitation_is_refused(org_a: OrgWorld, api_client: ApiClientFactory, email: str) -> None:
    client = api_client(org_a.users["admin"])
    assert (
        client.post(org_url(org_a, "invitations/"), {"email": "dup@example.test", "role": "member"}).status_code == 201
    )
    before = invitation_rows(org_a)

    response = client.post(org_url(org_a, "invitations/"), {"email": email, "role": "viewer"}, format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["email"]
    assert invitation_rows(org_a) == before


def test_a_revoked_address_can_be_invited_again(org_a: OrgWorld, api_client: ApiClientFactory) -> None:
    InvitationFactory(organization=org_a.organization, email="again@example.test", revoked_at=timezone.now())

    response = api_client(org_a.users["admin"]).post(
        org_url(org_a, "invitations/"), {"email": "again@example.test", "role": "member"}, format="json"
    )

    assert response.status_code == 201
    assert [r[3] is None for r in invitation_rows(org_a)] == [False, True]


@pytest.mark.parametrize("email", ["member@alpha.test", "MEMBER@ALPHA.TEST"])
def test_inviting_an_existing_member_is_refused(org_a: OrgWorld, api_client: ApiClientFactory, email: str) -> None:
    response = api_client(org_a.users["admin"]).post(
        org_url(org_a, "invitations/"), {"email": email, "role": "admin"}, format="json"
    )

    assert response.status_code == 400
    assert list(response.json()) == ["email"]
    assert invitation_rows(org_a) == []
    assert membership_roles(org_a)["member@alpha.test"] == "member"


def test_a_member_of_another_org_can_be_invited(org_a: OrgWorld, org_b: OrgWorld, api_client: ApiClientFactory) -> None:
    response = api_client(org_a.users["admin"]).post(
        org_url(org_a, "invitations/"), {"email": "member@beta.test", "role": "viewer"}, format="json"
    )

    assert response.status_code == 201
    assert [r[1] for r in invitation_rows(org_a)] == ["member@beta.test"]


@pytest.mark.parametrize(
    ("payload", "fields"),
    [
        ({"email": "x@example.test", "role": "owner"}, ["role"]),
        ({"email": "not-an-email", "role": "member"}, ["email"]),
        ({}, ["email", "role"]),
    ],
)
def test_invitation_bad_input_is_a_field_error(
    org_a: OrgWorld, api_client: ApiClientFactory, payload: dict[str, str], fields: list[str]
) -> None:
    response = api_client(org_a.users["admin"]).post(org_url(org_a, "invitations/"), payload, format="json")

    assert response.status_code == 400
    assert sorted(response.json()) == fields
    assert invitation_rows(org_a) == []


# --- Invitation e-mail


def test_invitation_email_is_sent_once_with_the_link(
    org_a: OrgWorld, api_client: ApiClientFactory, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client(org_a.users["admin"]).post(
            org_url(org_a, "invitations/"), {"email": "welcome@example.test", "role": "pmo"}, format="json"
        )

    assert response.status_code == 201
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["welcome@example.test"]
    with org_a.ctx():
        invitation = Invitation.objects.get(email="welcome@example.test")
        assert invitation.sent_at is not None
        url = services.invitation_url(invitation)
    assert url in message.body
    assert "Alpha Ltd" in message.subject
    assert "Alpha Ltd" in message.body

    assert send_invitation_email(organization_id=org_a.organization.pk, invitation_id=invitation.pk) is False
    assert len(mail.outbox) == 1


def test_no_email_for_a_refused_invitation(
    org_a: OrgWorld, api_client: ApiClientFactory, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client(org_a.users["admin"]).post(
            org_url(org_a, "invitations/"), {"email": "member@alpha.test", "role": "pmo"}, format="json"
        )

    assert response.status_code == 400
    assert mail.outbox == []


def test_invitation_email_is_in_the_organisation_language(
    org_a: OrgWorld, api_client: ApiClientFactory, django_capture_on_commit_callbacks: Any
) -> None:
    Organization.objects.filter(pk=org_a.organization.pk).update(default_language="zh-hans")

    with django_capture_on_commit_callbacks(execute=True):
        response = api_client(org_a.users["admin"]).post(
            org_url(org_a, "invitations/"), {"email": "zh@example.test", "role": "member"}, format="json"
        )

    assert response.status_code == 201
    assert len(mail.outbox) == 1
    body = mail.outbox[0].body
    with org_a.ctx():
        assert services.invitation_url(Invitation.objects.get(email="zh@example.test")) in body
    with translation.override("zh-hans"):
        chinese = gettext("Accept the invitation:")
        chinese_subject = gettext("You are invited to %(org)s on PMO") % {"org": "Alpha Ltd"}
    if chinese != "Accept the invitation:":
        assert chinese in body
        assert "Accept the invitation:" not in body
    if chinese_subject != "You are invited to Alpha Ltd on PMO":
        assert mail.outbox[0].subject == chinese_subject
    assert translation.get_language() == "en"


# --- Accepting an invitation through the web link


def accept_url(invitation: Invitation) -> str:
    return f"/invitations/{services.invitation_token(invitation)}/"


def memberships_of(world: OrgWorld, user: Any) -> list[str]:
    with world.ctx():
        return list(Membership.objects.filter(user=user).values_list("role", flat=True))


def invitation_state(world: OrgWorld, invitation: Invitation) -> tuple[Any, ...]:
    with world.ctx():
        row = Invitation.objects.get(pk=invitation.pk)
        return row.state, row.accepted_by_id


def test_new_user_signs_up_through_the_invitation(org_a: OrgWorld) -> None:
    invitation = InvitationFactory(organization=org_a.organization, email="newbie@example.test", role="executive")
    client = Client()

    page = client.get(accept_url(invitation))
    assert page.status_code == 200
    assert b"newbie@example.test" in page.content
    response = client.post(
        accept_url(invitation),
        {"full_name": "New Bie", "password1": "a-long-Secret-42", "password2": "a-long-Secret-42"},
    )

    assert response.status_code == 302
    assert response["Location"] == f"/o/{org_a.slug}/"
    user = get_user_model().objects.get(email="newbie@example.test")
    assert user.full_name == "New Bie"
    assert user.check_password("a-long-Secret-42")
    assert memberships_of(org_a, user) == ["executive"]
    assert invitation_state(org_a, invitation) == ("accepted", user.pk)
    assert client.get(f"/o/{org_a.slug}/").status_code == 200


def test_signup_with_mismatched_passwords_changes_nothing(org_a: OrgWorld) -> None:
    invitation = InvitationFactory(organization=org_a.organization, email="newbie@example.test")

    response = Client().post(
        accept_url(invitation),
        {"full_name": "New Bie", "password1": "a-long-Secret-42", "password2": "another-Secret-42"},
    )

    assert response.status_code == 400
    assert not get_user_model().objects.filter(email="newbie@example.test").exists()
    assert invitation_state(org_a, invitation) == ("open", None)


def test_existing_logged_in_user_with_matching_email_joins(org_a: OrgWorld, org_b: OrgWorld) -> None:
    user = org_b.users["viewer"]
    invitation = InvitationFactory(organization=org_a.organization, email="VIEWER@beta.test", role="pmo")
    client = Client()
    client.force_login(user)

    assert client.get(accept_url(invitation)).status_code == 200
    response = client.post(accept_url(invitation))

    assert response.status_code == 302
    assert response["Location"] == f"/o/{org_a.slug}/"
    assert memberships_of(org_a, user) == ["pmo"]
    assert memberships_of(org_b, user) == ["viewer"]
    assert invitation_state(org_a, invitation) == ("accepted", user.pk)


def test_existing_user_not_logged_in_is_asked_to_log_in(org_a: OrgWorld, org_b: OrgWorld) -> None:
    user = org_b.users["viewer"]
    invitation = InvitationFactory(organization=org_a.organization, email=user.email, role="pmo")
    client = Client()

    page = client.get(accept_url(invitation))
    response = client.post(
        accept_url(invitation), {"full_name": "X", "password1": "p-Secret-123", "password2": "p-Secret-123"}
    )

    assert page.status_code == 200
    assert b"/accounts/login/?next=" in page.content
    assert response.status_code == 200
    assert memberships_of(org_a, user) == []
    assert invitation_state(org_a, invitation) == ("open", None)
    assert not user.__class__.objects.get(pk=user.pk).check_password("p-Secret-123")


def test_logged_in_user_with_another_email_cannot_accept(org_a: OrgWorld, org_b: OrgWorld) -> None:
    user = org_b.users["admin"]
    invitation = InvitationFactory(organization=org_a.organization, email="someone.else@example.test", role="admin")
    client = Client()
    client.force_login(user)

    response = client.post(accept_url(invitation))

    assert response.status_code == 400
    assert b"another e-mail address" in response.content
    assert memberships_of(org_a, user) == []
    assert invitation_state(org_a, invitation) == ("open", None)


@pytest.mark.parametrize("state", ["revoked", "accepted", "expired"])
def test_a_used_or_dead_invitation_is_404(org_a: OrgWorld, org_b: OrgWorld, state: str) -> None:
    user = org_b.users["member"]
    now = timezone.now()
    fields: dict[str, Any] = {
        "revoked": {"revoked_at": now},
        "accepted": {"accepted_at": now},
        "expired": {"expires_at": now - timedelta(seconds=1)},
    }[state]
    invitation = InvitationFactory(organization=org_a.organization, email=user.email, **fields)
    client = Client()
    client.force_login(user)

    assert client.get(accept_url(invitation)).status_code == 404
    assert client.post(accept_url(invitation)).status_code == 404
    assert memberships_of(org_a, user) == []


@pytest.mark.parametrize("token", ["garbage", "eyJvIjoxLCJpIjoxfQ:1abc:def"])
def test_a_garbage_token_is_404(org_a: OrgWorld, token: str) -> None:
    assert Client().get(f"/invitations/{token}/").status_code == 404
    assert Client().post(f"/invitations/{token}/").status_code == 404


def test_an_invitation_of_a_deactivated_org_is_404(org_a: OrgWorld, org_b: OrgWorld) -> None:
    user = org_b.users["member"]
    invitation = InvitationFactory(organization=org_a.organization, email=user.email)
    Organization.objects.filter(pk=org_a.organization.pk).update(is_active=False)
    client = Client()
    client.force_login(user)

    assert client.post(accept_url(invitation)).status_code == 404
    assert memberships_of(org_a, user) == []


def test_invitation_token_is_bound_to_its_signature(org_a: OrgWorld) -> None:
    invitation = InvitationFactory(organization=org_a.organization, email="someone@example.test")
    token = services.invitation_token(invitation)
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")

    assert Client().get(f"/invitations/{tampered}/").status_code == 404
