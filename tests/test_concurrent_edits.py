"""Concurrent edits over the API with two real database connections: exactly one request wins, the other is told
409, nothing of the loser is stored, the version goes up by one and the history holds one update.

Each request runs in its own thread (so on its own PostgreSQL connection, as the app role with RLS). The race is
made real rather than hoped for: both clients read the record (and its version) before a barrier that neither
passes until both have read it; the main thread meanwhile holds the project row locked, and lets go only once
PostgreSQL shows both requests waiting for that lock — so both are inside their transactions at the same time,
and only the database's locking decides the order.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection, transaction
from rest_framework.test import APIClient

from pmo.accounts.services import api_token_create
from projects.models import ChangeApproval, ChangeRequest, Project, StatusReport
from projects.status import services as status_services
from tests.conftest import OrgWorld, build_world
from tests.factories_projects import lifecycle_project
from tests.test_changes_factories import bring_to, raise_cr

pytestmark = pytest.mark.django_db(transaction=True)

TIMEOUT = 20


def client(user: Any) -> APIClient:
    api = APIClient()
    _, raw = api_token_create(user=user)
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return api


def waiting_for_locks() -> int:
    """Backends of this database waiting for a lock another transaction holds. ``pg_locks`` is live; the list of
    this database's backends is a per-transaction snapshot, cleared first. (A row lock is waited for on the
    holder's transaction id, a lock with no database, hence the join on the backend.)"""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(DISTINCT l.pid) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
            " WHERE NOT l.granted AND a.datname = current_database()"
        )
        return int(cursor.fetchone()[0])


@contextmanager
def project_locked(world: OrgWorld, project: Project) -> Iterator[None]:
    """Hold ``project``'s row lock (the one every write of its reports and requests takes first)."""
    with transaction.atomic(), world.ctx():
        Project.objects.select_for_update().get(organization=world.organization, pk=project.pk)
        yield


def race(world: OrgWorld, project: Project, *requests: Callable[[], Any]) -> list[Any]:
    """Run ``requests`` at once, each in its own thread and connection; answer their responses in order.

    Each request is ``read`` then ``write``: a callable that reads (GET) and returns the writing callable. All
    threads read, meet at the barrier, then write while the main thread holds the project lock; the lock is let go
    when PostgreSQL shows every writer waiting for it."""
    barrier = threading.Barrier(len(requests) + 1, timeout=TIMEOUT)
    results: list[Any] = [None] * len(requests)
    errors: list[BaseException] = []

    def run(index: int, read: Callable[[], Any]) -> None:
        try:
            write = read()
            barrier.wait()  # every thread has read before any writes
            barrier.wait()  # the main thread holds the lock now
            results[index] = write()
        except BaseException as exc:
            errors.append(exc)
            barrier.abort()
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, read)) for i, read in enumerate(requests)]
    for thread in threads:
        thread.start()
    try:
        barrier.wait()
        with project_locked(world, project):
            barrier.wait()
            deadline = time.monotonic() + TIMEOUT
            while waiting_for_locks() < len(requests):
                assert not errors, errors
                assert time.monotonic() < deadline, "the requests never met at the lock"
                time.sleep(0.02)
    except BaseException:
        barrier.abort()
        raise
    finally:
        # Never leave a request running into the test's teardown (its flush would deadlock with it).
        for thread in threads:
            thread.join(TIMEOUT)
        connection.close()
    assert not any(thread.is_alive() for thread in threads)
    assert not errors, errors
    return results


def events(model: Any, world: OrgWorld, pk: int) -> list[Any]:
    with world.ctx():
        return list(model.pgh_event_model.objects.filter(pgh_obj_id=pk).order_by("pgh_id"))


@pytest.fixture
def world() -> OrgWorld:
    return build_world("race")


@pytest.fixture
def project(world: OrgWorld) -> Project:
    return lifecycle_project(world, code="LOCK-1")


# --- Status reports -----------------------------------------------------------------------------------------------


def test_two_edits_of_one_status_report_with_the_same_version(world: OrgWorld, project: Project) -> None:
    with world.ctx():
        report = status_services.status_report_start(
            organization=world.organization, actor=world.users["manager"], project=project
        )
    url = f"/api/v1/orgs/{world.slug}/projects/{project.pk}/status-reports/{report.pk}/"
    before = events(StatusReport, world, report.pk)
    seen: list[int] = []

    def editor(user: Any, tag: str) -> Callable[[], Any]:
        api = client(user)

        def read() -> Callable[[], Any]:
            version = api.get(url).json()["version"]
            seen.append(version)
            body = {
                "version": version,
                "summary": f"{tag} summary 摘要",
                "next_steps": f"{tag} steps",
                "rag_cost": "amber",
            }
            return lambda: api.patch(url, body, format="json")

        return read

    first, second = race(world, project, editor(world.users["manager"], "A"), editor(world.users["pmo"], "B"))

    assert seen == [report.version, report.version]
    codes = sorted([first.status_code, second.status_code])
    assert codes == [200, 409], (first.content, second.content)
    winner = first if first.status_code == 200 else second
    loser = second if winner is first else first
    tag = "A" if winner is first else "B"
    assert "detail" in loser.json()
    with world.ctx():
        stored = StatusReport.objects.get(organization=world.organization, pk=report.pk)
    assert (stored.summary, stored.next_steps, stored.rag_cost) == (f"{tag} summary 摘要", f"{tag} steps", "amber")
    assert stored.version == report.version + 1 == winner.json()["version"]
    after = events(StatusReport, world, report.pk)
    assert len(after) == len(before) + 1
    assert after[-1].summary == f"{tag} summary 摘要"


def test_two_starts_of_the_same_week_one_201_one_409(world: OrgWorld, project: Project) -> None:
    url = f"/api/v1/orgs/{world.slug}/projects/{project.pk}/status-reports/"

    def starter(user: Any) -> Callable[[], Any]:
        api = client(user)

        def read() -> Callable[[], Any]:
            assert api.get(url).json()["count"] == 0  # both saw no report of the week
            return lambda: api.post(url, {}, format="json")

        return read

    first, second = race(world, project, starter(world.users["manager"]), starter(world.users["pmo"]))

    assert sorted([first.status_code, second.status_code]) == [201, 409], (first.content, second.content)
    loser = first if first.status_code == 409 else second
    assert "already has a status report" in loser.json()["detail"]
    with world.ctx():
        assert StatusReport.objects.filter(organization=world.organization, project=project).count() == 1


# --- Change requests ----------------------------------------------------------------------------------------------


def cr_url(world: OrgWorld, project: Project, change_request: ChangeRequest) -> str:
    return f"/api/v1/orgs/{world.slug}/projects/{project.pk}/change-requests/{change_request.number}/"


def test_two_edits_of_one_change_request_with_the_same_version(world: OrgWorld, project: Project) -> None:
    change_request = raise_cr(world, project, title="Original")
    url = cr_url(world, project, change_request)
    before = events(ChangeRequest, world, change_request.pk)
    seen: list[int] = []

    def editor(user: Any, tag: str) -> Callable[[], Any]:
        api = client(user)

        def read() -> Callable[[], Any]:
            version = api.get(url).json()["version"]
            seen.append(version)
            body = {"version": version, "title": f"{tag} title 标题", "justification": f"{tag} reason"}
            return lambda: api.patch(url, body, format="json")

        return read

    first, second = race(world, project, editor(world.users["manager"], "A"), editor(world.users["pmo"], "B"))

    assert seen == [change_request.version, change_request.version]
    assert sorted([first.status_code, second.status_code]) == [200, 409], (first.content, second.content)
    winner = first if first.status_code == 200 else second
    tag = "A" if winner is first else "B"
    with world.ctx():
        stored = ChangeRequest.objects.get(organization=world.organization, pk=change_request.pk)
    assert (stored.title, stored.justification) == (f"{tag} title 标题", f"{tag} reason")
    assert stored.version == change_request.version + 1 == winner.json()["version"]
    after = events(ChangeRequest, world, change_request.pk)
    assert len(after) == len(before) + 1
    assert after[-1].title == f"{tag} title 标题"


def test_an_approval_and_an_edit_at_once(world: OrgWorld, project: Project) -> None:
    """The request is assessed: the approval wins whichever connection gets the lock first; the edit (of a request
    no longer a draft) is 409 and its text is stored nowhere."""
    change_request = bring_to(world, raise_cr(world, project, title="Original"), "assessed")
    with world.ctx():
        change_request.refresh_from_db()
    assert change_request.approvals_required == ["pmo"]
    url = cr_url(world, project, change_request)
    before = events(ChangeRequest, world, change_request.pk)

    def approver() -> Callable[[], Any]:
        api = client(world.users["pmo"])
        assert api.get(url).json()["status"] == "assessed"
        return lambda: api.post(f"{url}approve/", {"note": "Go 批准"}, format="json")

    def editor() -> Callable[[], Any]:
        api = client(world.users["manager"])
        version = api.get(url).json()["version"]
        return lambda: api.patch(url, {"version": version, "title": "Edited meanwhile"}, format="json")

    approved, edited = race(world, project, approver, editor)

    assert approved.status_code == 200, approved.content
    assert edited.status_code == 409, edited.content
    with world.ctx():
        stored = ChangeRequest.objects.get(organization=world.organization, pk=change_request.pk)
        signed = list(ChangeApproval.objects.filter(change_request=stored).values_list("step", "note"))
    assert stored.status == ChangeRequest.Status.APPROVED and stored.title == "Original"
    assert stored.version == change_request.version + 1 and stored.baseline_id is not None
    assert signed == [("pmo", "Go 批准")]
    assert stored.decision_note == "Go 批准" and Decimal(approved.json()["cost_delta"]) == Decimal(5000)
    after = events(ChangeRequest, world, change_request.pk)
    assert len(after) == len(before) + 1 and all(event.title == "Original" for event in after)
