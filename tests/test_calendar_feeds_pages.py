"""The calendar-feed page (``/o/<org>/calendar-feed/``) and API (``ical-feed/``, ``ical-feed/reset/``): every
member finds, scopes and resets their own feed; another organisation's user gets 404 and nothing is created or
changed; a wrong scope is a 400 in the user's language with nothing saved; the page and the API show one address."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from pmo.calendars import services
from pmo.calendars.models import CalendarFeed
from tests.conftest import ROLES, OrgWorld


def logged_in(user: Any, language: str = "en") -> Client:
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = language
    return client


def page_url(world: OrgWorld) -> str:
    return f"/o/{world.slug}/calendar-feed/"


def api_url(world: OrgWorld, rest: str = "") -> str:
    return f"/api/v1/orgs/{world.slug}/ical-feed/{rest}"


def feeds(world: OrgWorld) -> list[tuple[Any, ...]]:
    with world.ctx():
        return list(CalendarFeed.objects.order_by("pk").values_list("pk", "user_id", "scope", "nonce", "reset_at"))


def path_of(url: str) -> str:
    return "/feeds/" + url.split("/feeds/", 1)[1]


def feed_url(world: OrgWorld, role: str) -> str:
    with world.ctx():
        feed = CalendarFeed.objects.get(user=world.users[role])
    return services.calendar_feed_url(feed)


@pytest.mark.parametrize("role", ROLES)
def test_every_member_sees_their_own_address_on_the_page(org_a: OrgWorld, role: str) -> None:
    response = logged_in(org_a.users[role]).get(page_url(org_a))
    assert response.status_code == 200
    url = feed_url(org_a, role)
    assert response.context["feed_url"] == url
    assert url.startswith("http") and url.endswith(".ics") and "/feeds/" in url
    body = response.content.decode()
    assert f'value="{url}"' in body
    for application in ("Outlook", "Google Calendar", "Apple Calendar"):
        assert application in body
    # Shown again on the next visit: the same address, one feed.
    assert logged_in(org_a.users[role]).get(page_url(org_a)).context["feed_url"] == url
    assert len(feeds(org_a)) == 1


def test_the_page_speaks_chinese(org_a: OrgWorld) -> None:
    body = logged_in(org_a.users["manager"], "zh-hans").get(page_url(org_a)).content.decode()
    with translation.override("zh-hans"):
        copy = translation.gettext("Save")
    assert copy != "Save" and copy in body


@pytest.mark.parametrize("role", ROLES)
def test_another_organisations_user_gets_404_and_nothing_is_created(
    org_a: OrgWorld, org_b: OrgWorld, role: str
) -> None:
    stranger = logged_in(org_b.users[role])
    assert stranger.get(page_url(org_a)).status_code == 404
    assert stranger.post(page_url(org_a), {"action": "reset"}).status_code == 404
    assert stranger.post(page_url(org_a), {"action": "scope", "scope": "all"}).status_code == 404
    assert feeds(org_a) == [] and feeds(org_b) == []


def test_an_anonymous_visitor_is_sent_to_log_in(org_a: OrgWorld) -> None:
    response = Client().get(page_url(org_a))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert feeds(org_a) == []


def test_reset_on_the_page_gives_a_new_address_and_the_old_one_dies(org_a: OrgWorld) -> None:
    client = logged_in(org_a.users["member"])
    old = client.get(page_url(org_a)).context["feed_url"]
    response = client.post(page_url(org_a), {"action": "reset"})
    assert response.status_code == 302
    new = client.get(page_url(org_a)).context["feed_url"]
    assert new != old
    assert Client().get(path_of(old)).status_code == 404
    assert Client().get(path_of(new)).status_code == 200


def test_the_scope_is_saved_and_a_wrong_one_is_a_400_in_the_users_language(org_a: OrgWorld) -> None:
    client = logged_in(org_a.users["pmo"])
    client.get(page_url(org_a))
    assert client.post(page_url(org_a), {"action": "scope", "scope": "all"}).status_code == 302
    before = feeds(org_a)
    assert before[0][2] == "all"
    chinese = logged_in(org_a.users["pmo"], "zh-hans")
    response = chinese.post(page_url(org_a), {"action": "scope", "scope": "everything"})
    assert response.status_code == 400
    assert response.context["form"].errors["scope"]
    with translation.override("zh-hans"):
        message = translation.gettext("Select a valid choice. %(value)s is not one of the available choices.")
    assert message % {"value": "everything"} in response.content.decode()
    assert feeds(org_a) == before


# --- API ----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_the_api_answers_my_address_and_resets_it(org_a: OrgWorld, api_client: Any, role: str) -> None:
    client = api_client(org_a.users[role])
    first = client.get(api_url(org_a))
    assert first.status_code == 200
    body = first.json()
    assert body["url"] == feed_url(org_a, role)
    assert body["scope"] == "mine" and body["reset_at"] is None
    assert client.get(api_url(org_a)).json()["url"] == body["url"]
    reset = client.post(api_url(org_a, "reset/"))
    assert reset.status_code == 200
    assert reset.json()["url"] != body["url"] and reset.json()["reset_at"]
    assert reset.json()["url"] == feed_url(org_a, role)
    # Everyone has their own feed.
    assert [row[1] for row in feeds(org_a)] == [org_a.users[role].pk]


def test_the_api_sets_the_scope_and_refuses_a_wrong_one(org_a: OrgWorld, api_client: Any) -> None:
    client = api_client(org_a.users["executive"])
    url = client.get(api_url(org_a)).json()["url"]
    changed = client.patch(api_url(org_a), {"scope": "all"}, format="json")
    assert changed.status_code == 200 and changed.json()["scope"] == "all" and changed.json()["url"] == url
    before = feeds(org_a)
    refused = client.patch(api_url(org_a), {"scope": "everything"}, format="json")
    assert refused.status_code == 400 and "scope" in refused.json()
    assert feeds(org_a) == before


@pytest.mark.parametrize("role", ROLES)
def test_the_api_gives_another_organisation_404_and_changes_nothing(
    org_a: OrgWorld, org_b: OrgWorld, api_client: Any, role: str
) -> None:
    api_client(org_a.users["manager"]).get(api_url(org_a))
    before = feeds(org_a)
    stranger = api_client(org_b.users[role])
    assert stranger.get(api_url(org_a)).status_code == 404
    assert stranger.post(api_url(org_a, "reset/")).status_code == 404
    assert stranger.patch(api_url(org_a), {"scope": "all"}, format="json").status_code == 404
    assert feeds(org_a) == before and feeds(org_b) == []


def test_the_api_refuses_the_unauthenticated(org_a: OrgWorld, api_client: Any) -> None:
    anonymous = api_client(None)
    assert anonymous.get(api_url(org_a)).status_code == 401
    assert anonymous.post(api_url(org_a, "reset/")).status_code == 401
    assert feeds(org_a) == []
