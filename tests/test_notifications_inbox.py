"""The inbox and the e-mail preferences, pages and API: each user sees only their own notifications (another user's
or another organisation's is 404 and stays unread), mark read / all read / open, the header's unread badge, bad
input is a 400 that changes nothing, and the lists cost the same number of queries at two sizes."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from reports.models import Notification, NotificationKind, NotificationPreference
from tests.conftest import ROLES, OrgWorld
from tests.factories import PASSWORD
from tests.factories_notifications import NotificationFactory


def client_for(user: Any) -> Client:
    client = Client()
    assert client.login(username=user.email, password=PASSWORD)
    return client


def give(world: OrgWorld, user: Any, count: int = 1, **extra: Any) -> list[Notification]:
    return [
        NotificationFactory(organization=world.organization, recipient=user, url=f"/o/{world.slug}/projects/", **extra)
        for _ in range(count)
    ]


def unread(world: OrgWorld) -> dict[int, bool]:
    with world.ctx():
        return {pk: read_at is None for pk, read_at in Notification.objects.values_list("pk", "read_at")}


def test_the_inbox_lists_only_my_notifications(org_a: OrgWorld) -> None:
    mine = give(org_a, org_a.users["manager"], 2)
    theirs = give(org_a, org_a.users["pmo"])
    page = client_for(org_a.users["manager"]).get(f"/o/{org_a.slug}/inbox/")
    assert page.status_code == 200
    html = page.content.decode()
    for notification in mine:
        assert f'data-testid="notification-{notification.pk}"' in html
    assert f'data-testid="notification-{theirs[0].pk}"' not in html
    assert "P-1 Website" in html
    assert 'data-testid="inbox-count">2<' in html


def test_unread_first_and_filters(org_a: OrgWorld) -> None:
    user = org_a.users["pmo"]
    old_unread, read = give(org_a, user, 2)
    reminder = give(
        org_a, user, kind=NotificationKind.STATUS_REMINDER, params={"project_code": "X-1", "week": "2026-W10"}
    )[0]
    with org_a.ctx():
        Notification.objects.filter(pk=read.pk).update(read_at=read.created_at)
    client = client_for(user)
    html = client.get(f"/o/{org_a.slug}/inbox/").content.decode()
    positions = [html.index(f'notification-{n.pk}"') for n in (reminder, old_unread, read)]
    assert positions == sorted(positions)
    only_unread = client.get(f"/o/{org_a.slug}/inbox/?show=unread").content.decode()
    assert f"notification-{read.pk}" not in only_unread and f"notification-{old_unread.pk}" in only_unread
    reminders = client.get(f"/o/{org_a.slug}/inbox/?kind=status_reminder").content.decode()
    assert f"notification-{reminder.pk}" in reminders and f"notification-{old_unread.pk}" not in reminders
    assert "Status report due: X-1" in reminders


def test_mark_read_mark_all_and_open(org_a: OrgWorld) -> None:
    user = org_a.users["member"]
    first, second, third = give(org_a, user, 3)
    client = client_for(user)
    base = f"/o/{org_a.slug}/inbox"
    assert client.post(f"{base}/{first.pk}/read/", {"next": "https://evil.example/"}).url == f"{base}/"
    assert unread(org_a) == {first.pk: False, second.pk: True, third.pk: True}
    opened = client.get(f"{base}/{second.pk}/open/")
    assert opened.status_code == 302 and opened.url == f"/o/{org_a.slug}/projects/"
    assert unread(org_a)[second.pk] is False
    assert client.post(f"{base}/read-all/").status_code == 302
    assert not any(unread(org_a).values())


def test_another_users_or_organisations_notification_is_404_and_stays_unread(org_a: OrgWorld, org_b: OrgWorld) -> None:
    (notification,) = give(org_a, org_a.users["pmo"])
    base = f"/o/{org_a.slug}/inbox/{notification.pk}"
    for client in (client_for(org_a.users["admin"]), client_for(org_b.users["pmo"])):
        assert client.post(f"{base}/read/").status_code == 404
        assert client.get(f"{base}/open/").status_code == 404
    outsider = client_for(org_b.users["pmo"])
    assert outsider.get(f"/o/{org_a.slug}/inbox/").status_code == 404
    assert outsider.post(f"/o/{org_a.slug}/inbox/read-all/").status_code == 404
    assert outsider.get(f"/o/{org_a.slug}/inbox/preferences/").status_code == 404
    assert unread(org_a) == {notification.pk: True}


def test_the_badge_is_one_count_on_organisation_pages_only(org_a: OrgWorld) -> None:
    give(org_a, org_a.users["viewer"], 3)
    client = client_for(org_a.users["viewer"])
    assert 'data-testid="inbox-count">3<' in client.get(f"/o/{org_a.slug}/").content.decode()
    assert 'data-testid="inbox-bell"' not in client.get("/accounts/profile/").content.decode()


@pytest.mark.parametrize("role", ROLES)
def test_every_role_has_an_inbox_and_preferences(org_a: OrgWorld, role: str) -> None:
    client = client_for(org_a.users[role])
    assert client.get(f"/o/{org_a.slug}/inbox/").status_code == 200
    assert client.get(f"/o/{org_a.slug}/inbox/preferences/").status_code == 200


def test_preferences_page_saves_and_refuses_bad_input(org_a: OrgWorld) -> None:
    user = org_a.users["manager"]
    client = client_for(user)
    url = f"/o/{org_a.slug}/inbox/preferences/"
    choice = dict.fromkeys(NotificationKind.values, "immediate")
    bad = client.post(url, {**choice, "alert": "sometimes"})
    assert bad.status_code == 400
    with org_a.ctx():
        assert not NotificationPreference.objects.exists()
    assert client.post(url, {**choice, "alert": "digest", "report_ready": "off"}).status_code == 302
    with org_a.ctx():
        stored = dict(NotificationPreference.objects.filter(user=user).values_list("kind", "delivery"))
    assert stored["alert"] == "digest" and stored["report_ready"] == "off"
    assert "checked" in client.get(url).content.decode()


def test_inbox_page_queries_do_not_grow(org_a: OrgWorld, django_assert_max_num_queries: Any) -> None:
    user = org_a.users["pmo"]
    client = client_for(user)
    url = f"/o/{org_a.slug}/inbox/"
    give(org_a, user, 3)
    client.get(url)
    with django_assert_max_num_queries(14) as small:
        client.get(url)
    give(org_a, user, 22)
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(url)


# --- API -----------------------------------------------------------------------------------------------------------


def test_api_lists_mine_with_filters_and_reads(org_a: OrgWorld, org_b: OrgWorld, api_client: Any) -> None:
    user = org_a.users["executive"]
    alert, reminder = give(org_a, user)[0], give(org_a, user, kind="status_reminder", params={})[0]
    other = give(org_a, org_a.users["pmo"])[0]
    api = api_client(user)
    base = f"/api/v1/orgs/{org_a.slug}/notifications/"
    listed = api.get(base).json()
    assert {row["id"] for row in listed["results"]} == {alert.pk, reminder.pk}
    row = next(r for r in listed["results"] if r["id"] == alert.pk)
    assert row["unread"] is True and row["title"].endswith("P-1 Website") and row["body"]
    assert [r["id"] for r in api.get(base, {"kind": "status_reminder"}).json()["results"]] == [reminder.pk]
    assert api.get(base, {"kind": "nonsense"}).status_code == 400
    assert api.get(f"{base}{other.pk}/").status_code == 404
    assert api.post(f"{base}{other.pk}/read/").status_code == 404
    assert api_client(org_b.users["executive"]).post(f"{base}{alert.pk}/read/").status_code == 404
    assert unread(org_a) == {alert.pk: True, reminder.pk: True, other.pk: True}

    read = api.post(f"{base}{alert.pk}/read/")
    assert read.status_code == 200 and read.json()["unread"] is False
    assert [r["id"] for r in api.get(base, {"unread": "true"}).json()["results"]] == [reminder.pk]
    assert api.post(f"{base}read-all/", {"kind": "bogus"}, format="json").status_code == 400
    assert api.post(f"{base}read-all/", {}, format="json").json() == {"marked": 1}
    assert unread(org_a) == {alert.pk: False, reminder.pk: False, other.pk: True}


def test_api_preferences(org_a: OrgWorld, org_b: OrgWorld, api_client: Any) -> None:
    user = org_a.users["viewer"]
    api = api_client(user)
    url = f"/api/v1/orgs/{org_a.slug}/notification-preferences/"
    listed = api.get(url).json()
    assert [row["kind"] for row in listed] == list(NotificationKind.values)
    assert {row["delivery"] for row in listed} == {"immediate"}
    assert api.patch(url, {"alert": "never"}, format="json").status_code == 400
    assert api.patch(url, {"nope": "off"}, format="json").status_code == 400
    assert api.put(url, {"alert": "off"}, format="json").status_code == 400  # PUT names every kind
    assert api_client(org_b.users["viewer"]).patch(url, {"alert": "off"}, format="json").status_code == 404
    with org_a.ctx():
        assert not NotificationPreference.objects.exists()
    changed = api.patch(url, {"alert": "digest"}, format="json")
    assert changed.status_code == 200
    assert {row["kind"]: row["delivery"] for row in changed.json()}["alert"] == "digest"
    everything = dict.fromkeys(NotificationKind.values, "off")
    assert {row["delivery"] for row in api.put(url, everything, format="json").json()} == {"off"}


def test_api_list_queries_do_not_grow(org_a: OrgWorld, api_client: Any, django_assert_max_num_queries: Any) -> None:
    user = org_a.users["pmo"]
    api = api_client(user)
    url = f"/api/v1/orgs/{org_a.slug}/notifications/"
    give(org_a, user, 2)
    api.get(url)
    with django_assert_max_num_queries(12) as small:
        api.get(url)
    give(org_a, user, 30)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert len(api.get(url).json()["results"]) == 32
