"""The people and calendar pages: who sees them (RESOURCES_VIEW; another organisation 404), the PMO's forms (create,
edit with a stale version → 409, skills, time off, calendar days; refusals change nothing), both languages, and
query counts at two sizes."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from resources.models import CalendarDay, Person
from tests.conftest import ROLES, OrgWorld
from tests.test_resources_people_support import (
    allocate,
    department,
    give_skill,
    person,
    resources_state,
    skill,
    time_off,
    week,
)

VIEWERS = {"admin", "pmo", "executive", "manager"}


def login(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("page", ["resources/people/", "resources/people/{p}/", "resources/calendar/"])
def test_who_sees_the_pages(org_a: OrgWorld, org_b: OrgWorld, page: str) -> None:
    ada = person(org_a)
    url = f"/o/{org_a.slug}/" + page.format(p=ada.pk)
    for role in ROLES:
        expected = 200 if role in VIEWERS else 403
        assert login(org_a.users[role]).get(url).status_code == expected, role
        assert login(org_b.users[role]).get(url).status_code == 404, role
    beta_person = f"/o/{org_b.slug}/resources/people/{ada.pk}/"
    assert login(org_b.users["pmo"]).get(beta_person).status_code == 404


def test_forms_are_the_pmos(org_a: OrgWorld, org_b: OrgWorld) -> None:
    ada = person(org_a)
    base = f"/o/{org_a.slug}/resources/people/"
    before = resources_state(org_a)
    for role in ("executive", "manager"):
        client = login(org_a.users[role])
        assert client.get(f"{base}new/").status_code == 403
        assert (
            client.post(f"{base}new/", {"full_name": "X", "weekly_capacity": "40", "cost_rate": "0"}).status_code == 403
        )
        assert client.post(f"{base}{ada.pk}/time-off/", {"start": "2026-05-04", "end": "2026-05-04"}).status_code == 403
        assert 'data-testid="edit-person"' not in client.get(f"{base}{ada.pk}/").content.decode()
    outsider = login(org_b.users["pmo"])
    assert outsider.post(f"{base}{ada.pk}/time-off/", {"start": "2026-05-04", "end": "2026-05-04"}).status_code == 404
    assert outsider.post(f"{base}{ada.pk}/edit/", {"full_name": "Hacked"}).status_code == 404
    assert resources_state(org_a) == before


def test_the_pmo_creates_and_edits_a_person_and_a_stale_edit_is_409(org_a: OrgWorld) -> None:
    eng = department(org_a)
    pmo = login(org_a.users["pmo"])
    base = f"/o/{org_a.slug}/resources/people/"
    form = {"full_name": "Grace Hopper", "department": eng.pk, "job_role": "Architect", "weekly_capacity": "32",
            "cost_rate": "120", "active": "on"}  # fmt: skip
    created = pmo.post(f"{base}new/", form)
    assert created.status_code == 302
    with org_a.ctx():
        grace = Person.objects.get(full_name="Grace Hopper")
    assert (grace.department_id, str(grace.weekly_capacity), grace.version) == (eng.pk, "32.00", 1)

    assert pmo.post(f"{base}new/", {**form, "weekly_capacity": "200"}).status_code == 400
    assert pmo.post(f"{base}{grace.pk}/edit/", {**form, "job_role": "Admiral", "version": 1}).status_code == 302
    before = resources_state(org_a)
    stale = pmo.post(f"{base}{grace.pk}/edit/", {**form, "job_role": "Lost", "version": 1})
    assert stale.status_code == 409 and "changed this person" in stale.content.decode()
    assert resources_state(org_a) == before


def test_skills_time_off_and_calendar_days_through_the_pages(org_a: OrgWorld) -> None:
    ada, python, go = person(org_a), skill(org_a, "Python"), skill(org_a, "Go")
    pmo = login(org_a.users["pmo"])
    base = f"/o/{org_a.slug}/resources/people/{ada.pk}/"
    assert pmo.post(f"{base}skills/", {f"skill_{python.pk}": "4", f"skill_{go.pk}": ""}).status_code == 302
    assert pmo.post(f"{base}time-off/", {"start": "2026-05-06", "end": "2026-05-04"}).status_code == 400
    assert pmo.post(f"{base}time-off/", {"start": "2026-05-04", "end": "2026-05-08", "note": "Trip"}).status_code == 302
    html = pmo.get(base).content.decode()
    assert "Python" in html and "Trip" in html
    with org_a.ctx():
        assert [(s.skill_id, s.level) for s in ada.skills.all()] == [(python.pk, 4)]

    cal = f"/o/{org_a.slug}/resources/calendar/?year=2026"
    assert pmo.post(cal, {"date": "2026-10-01", "kind": "holiday", "name": "National Day"}).status_code == 302
    refused = pmo.post(cal, {"date": "2026-10-10", "kind": "holiday"})  # a Saturday
    assert refused.status_code == 400 and "weekend day" in refused.content.decode()
    again = pmo.post(cal, {"date": "2026-10-01", "kind": "holiday"})
    assert again.status_code == 409
    page = pmo.get(cal).content.decode()
    assert "National Day" in page
    with org_a.ctx():
        day = CalendarDay.objects.get(date=dt.date(2026, 10, 1))
    assert pmo.post(cal, {"action": "delete", "id": day.pk}).status_code == 302
    with org_a.ctx():
        assert not CalendarDay.objects.exists()


def test_the_people_list_in_chinese(org_a: OrgWorld) -> None:
    person(org_a, "王芳", job_role="开发")
    client = login(org_a.users["pmo"])
    client.cookies["django_language"] = "zh-hans"
    html = client.get(f"/o/{org_a.slug}/resources/people/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert '<html lang="zh-hans">' in html and "王芳" in html


def _grow(world: OrgWorld, n: int) -> None:
    dept, python = department(world, f"D{n}"), skill(world, f"S{n}")
    for i in range(n):
        someone = person(world, f"P{n}-{i}", department=dept)
        give_skill(world, someone, python)
        allocate(world, someone, world.projects[i % 3], start=0, end=200, hours=10)
        time_off(world, someone, week(0), week(0))


@pytest.mark.parametrize("path", ["resources/people/", "resources/people/{p}/", "resources/calendar/"])
def test_page_queries_do_not_grow(org_a: OrgWorld, django_assert_max_num_queries: Any, path: str) -> None:
    ada = person(org_a)
    client = login(org_a.users["pmo"])
    url = f"/o/{org_a.slug}/" + path.format(p=ada.pk)
    _grow(org_a, 2)
    for i in range(2):
        allocate(org_a, ada, org_a.projects[i], start=0, end=200, hours=5)
    with django_assert_max_num_queries(60) as small:
        assert client.get(url).status_code == 200
    _grow(org_a, 12)
    allocate(org_a, ada, org_a.projects[2], start=0, end=200, hours=5)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(url).status_code == 200
