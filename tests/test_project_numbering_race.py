"""Two writers numbering new projects at once in one organisation: each project gets its own ``PRJ-NNN``.

Both transactions run on their own connections (threads), both past the point where they would read the last code
before either inserts; without the numbering lock both would take the same next code and one would fail on the
unique constraint.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from django.db import connection

from projects.models import Project
from projects.services import NewProject, projects_create_many
from tests.conftest import OrgWorld, build_world
from tests.test_concurrent_edits import TIMEOUT, waiting_for_locks

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_imports_at_once_number_their_projects_apart() -> None:
    world: OrgWorld = build_world("numbering")
    other: OrgWorld = build_world("numbering-other")
    with other.ctx():
        projects_create_many(organization=other.organization, actor=other.users["pmo"], projects=[NewProject("X")])
    locked = threading.Event()
    release = threading.Event()
    results: list[Any] = [None, None]
    errors: list[BaseException] = []

    def importer(index: int, prefix: str) -> None:
        try:
            with world.ctx():
                created = projects_create_many(
                    organization=world.organization,
                    actor=world.users["pmo"],
                    projects=[NewProject(f"{prefix}{n}") for n in range(3)],
                )
                results[index] = [project.code for project in created]
                if index == 0:
                    # Keep the transaction (its rows uncommitted, its lock held) until the other import waits.
                    locked.set()
                    assert release.wait(TIMEOUT)
        except BaseException as exc:
            errors.append(exc)
        finally:
            locked.set()
            connection.close()

    first = threading.Thread(target=importer, args=(0, "A"))
    second = threading.Thread(target=importer, args=(1, "B"))
    first.start()
    try:
        assert locked.wait(TIMEOUT)
        second.start()
        deadline = time.monotonic() + TIMEOUT
        while waiting_for_locks() < 1:
            assert not errors, errors
            assert time.monotonic() < deadline, "the second import never waited for the first"
            time.sleep(0.02)
    finally:
        release.set()
        first.join(TIMEOUT)
        if second.ident is not None:
            second.join(TIMEOUT)
        connection.close()
    assert not errors, errors
    assert results[0] == ["PRJ-001", "PRJ-002", "PRJ-003"]
    assert results[1] == ["PRJ-004", "PRJ-005", "PRJ-006"]
    with world.ctx():
        assert Project.objects.filter(organization=world.organization, code__startswith="PRJ-").count() == 6
    with other.ctx():
        # Another organisation numbers on its own and was never blocked.
        assert list(Project.objects.filter(code__startswith="PRJ-").values_list("code", flat=True)) == ["PRJ-001"]
