from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from pmo.accounts.models import ApiToken
from pmo.accounts.services import api_token_create
from pmo.accounts.tasks import purge_dead_tokens
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_purge_removes_only_long_dead_tokens() -> None:
    user = UserFactory()
    live, _ = api_token_create(user=user)
    just_expired, _ = api_token_create(user=user)
    long_expired, _ = api_token_create(user=user)
    long_revoked, _ = api_token_create(user=user)
    now = timezone.now()
    ApiToken.objects.filter(pk=just_expired.pk).update(expires_at=now - timedelta(days=1))
    ApiToken.objects.filter(pk=long_expired.pk).update(expires_at=now - timedelta(days=31))
    ApiToken.objects.filter(pk=long_revoked.pk).update(revoked_at=now - timedelta(days=31))

    assert purge_dead_tokens.delay().get() == 2
    assert set(ApiToken.objects.values_list("pk", flat=True)) == {live.pk, just_expired.pk}
    assert purge_dead_tokens.delay().get() == 0


def test_beat_schedules_the_purge() -> None:
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "accounts.purge_dead_tokens" in tasks
