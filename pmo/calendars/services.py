"""Writes of calendar feeds, and the secret address: how it is made and how a request's token is checked.

Token: ``<organisation id>.<feed id>.<mac>``, the mac being ``HMAC-SHA256`` (Django's ``salted_hmac``, keyed by
``SECRET_KEY``) of ``<organisation id>.<feed id>.<nonce>``, base64url without padding. The organisation id in the
clear lets the feed request set the tenant before it reads the row (Row-Level Security); it reveals nothing that
the mac does not protect. Keys listed in ``SECRET_KEY_FALLBACKS`` still open old addresses while a key rotates.
"""

from __future__ import annotations

import base64
import datetime as dt
import re
import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from pmo.calendars.models import CalendarFeed
from pmo.tenancy import context
from pmo.tenancy.access import OrgAccess
from pmo.tenancy.models import Membership, Organization

_SALT = "pmo.calendars.feed"
_TOKEN = re.compile(r"^(\d{1,18})\.(\d{1,18})\.([A-Za-z0-9_-]{43})$")
# A fetch is recorded at most this often: calendar applications poll, and every poll need not be a write.
FETCH_RECORD_INTERVAL = dt.timedelta(minutes=5)


class FeedNotFound(Exception):
    """The token names no usable feed (malformed, reset, another key, the user left or was deactivated)."""


def _mac(*, organization_id: int, feed_id: int, nonce: str, secret: str | None = None) -> str:
    digest = salted_hmac(_SALT, f"{organization_id}.{feed_id}.{nonce}", secret=secret, algorithm="sha256").digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def calendar_feed_token(feed: CalendarFeed) -> str:
    mac = _mac(organization_id=feed.organization_id, feed_id=feed.pk, nonce=feed.nonce)
    return f"{feed.organization_id}.{feed.pk}.{mac}"


def calendar_feed_url(feed: CalendarFeed) -> str:
    """The absolute address a calendar application subscribes to."""
    path = reverse("calendar-feed-ics", kwargs={"token": calendar_feed_token(feed)})
    return settings.PUBLIC_BASE_URL.rstrip("/") + path


def calendar_feed_get_or_create(*, organization: Organization, user: Any) -> CalendarFeed:
    """The user's feed in the organisation, created on first use (concurrent first uses are safe)."""
    feed = CalendarFeed.objects.filter(organization=organization, user=user).first()
    if feed is not None:
        return feed
    try:
        with transaction.atomic():
            return CalendarFeed.objects.create(organization=organization, user=user, nonce=secrets.token_urlsafe(32))
    except IntegrityError:
        return CalendarFeed.objects.get(organization=organization, user=user)


@transaction.atomic
def calendar_feed_reset(*, organization: Organization, user: Any) -> CalendarFeed:
    """A new secret address for the user's feed: the old one answers 404 from now on."""
    feed = calendar_feed_get_or_create(organization=organization, user=user)
    feed = CalendarFeed.objects.select_for_update().get(organization=organization, pk=feed.pk)
    feed.nonce = secrets.token_urlsafe(32)
    feed.reset_at = timezone.now()
    feed.save(update_fields=["nonce", "reset_at"])
    return feed


@transaction.atomic
def calendar_feed_set_scope(*, organization: Organization, user: Any, scope: str) -> CalendarFeed:
    """Which projects the feed covers (``mine`` or ``all``); the address stays the same."""
    if scope not in CalendarFeed.Scope.values:
        raise ValidationError({"scope": [_("Choose my projects or all projects I can see.")]})
    feed = calendar_feed_get_or_create(organization=organization, user=user)
    CalendarFeed.objects.filter(organization=organization, pk=feed.pk).update(scope=scope)
    feed.scope = scope
    return feed


@dataclass(frozen=True)
class FeedAccess:
    """A feed found from its token, with the access of its owner as of now (role and organisation)."""

    feed: CalendarFeed
    access: OrgAccess


def calendar_feed_open(token: str) -> FeedAccess:
    """Check ``token`` and activate its organisation (RLS included) in the current transaction, as the feed's user.

    ``FeedNotFound`` alike for a malformed token, an unknown or inactive organisation, a missing feed, a wrong mac
    (an address that was reset), an inactive user and one who is no longer a member. Records the fetch time.
    """
    match = _TOKEN.match(token)
    if match is None:
        raise FeedNotFound
    organization_id, feed_id, mac = int(match.group(1)), int(match.group(2)), match.group(3)
    organization = Organization.objects.filter(pk=organization_id, is_active=True).first()
    if organization is None:
        raise FeedNotFound
    context.activate(organization.pk)
    feed = CalendarFeed.objects.filter(pk=feed_id).select_related("user").first()
    if feed is None or not _mac_matches(feed, mac) or not feed.user.is_active:
        context.activate(None)
        raise FeedNotFound
    context.set_db_user(feed.user_id)
    membership = Membership.objects.filter(user_id=feed.user_id).first()
    if membership is None:
        context.activate(None)
        raise FeedNotFound
    membership.organization = organization
    feed.organization = organization
    _record_fetch(feed)
    return FeedAccess(feed=feed, access=OrgAccess(organization=organization, membership=membership))


def _mac_matches(feed: CalendarFeed, mac: str) -> bool:
    secrets_ = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return any(
        constant_time_compare(
            mac, _mac(organization_id=feed.organization_id, feed_id=feed.pk, nonce=feed.nonce, secret=secret)
        )
        for secret in secrets_
    )


def _record_fetch(feed: CalendarFeed) -> None:
    now = timezone.now()
    CalendarFeed.objects.filter(organization_id=feed.organization_id, pk=feed.pk).filter(
        Q(last_fetched_at__isnull=True) | Q(last_fetched_at__lt=now - FETCH_RECORD_INTERVAL)
    ).update(last_fetched_at=now)
