"""Batches are working files: the daily task deletes, in every organisation, those uploaded more than a day ago,
and nothing else (the objects they imported stay)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from pmo.imports.models import ImportBatch
from pmo.imports.tasks import purge_batches
from risks.models import Risk
from tests.conftest import OrgWorld
from tests.test_imports_support import count, web_client
from tests.test_imports_web import uploaded_batch, url


def test_batches_older_than_a_day_are_purged_in_every_organisation(org_a: OrgWorld, org_b: OrgWorld) -> None:
    old_a, new_a, old_b = uploaded_batch(org_a), uploaded_batch(org_a), uploaded_batch(org_b)
    web_client(org_a.users["pmo"]).post(url(org_a, f"batches/{old_a.pk}/commit/"))
    for world, batch in ((org_a, old_a), (org_b, old_b)):
        with world.ctx():
            ImportBatch.objects.filter(pk=batch.pk).update(created_at=timezone.now() - dt.timedelta(hours=25))

    assert purge_batches() >= 2  # one task per active organisation

    with org_a.ctx():
        assert list(ImportBatch.objects.values_list("pk", flat=True)) == [new_a.pk]
    assert count(org_b, ImportBatch) == 0
    assert count(org_a, Risk) == 1  # what the purged batch imported stays
    assert purge_batches() >= 2 and count(org_a, ImportBatch) == 1  # idempotent
