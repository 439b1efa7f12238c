"""Calendar feeds: one secret iCalendar address per user and organisation.

The address carries ``<organisation id>.<feed id>.<mac>`` where the mac is an HMAC-SHA256, keyed by ``SECRET_KEY``,
of the ids and the row's random ``nonce``. The database alone does not reveal a working address (it holds the
nonce, not the key), the page can show the address again at any time, and "Reset link" draws a new nonce, which
turns the old address into a 404.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pmo.tenancy.models import TenantModel


class CalendarFeed(TenantModel):
    class Scope(models.TextChoices):
        MINE = "mine", _("My projects")
        ALL = "all", _("All projects I can see")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("user")
    )
    scope = models.CharField(_("projects"), max_length=10, choices=Scope.choices, default=Scope.MINE)
    nonce = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    reset_at = models.DateTimeField(_("link reset at"), null=True, blank=True, editable=False)
    last_fetched_at = models.DateTimeField(_("last fetched"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")
        constraints = [
            models.UniqueConstraint(fields=["organization", "user"], name="calendar_feed_one_per_user"),
            models.CheckConstraint(condition=models.Q(scope__in=["mine", "all"]), name="calendar_feed_scope_valid"),
        ]

    def __str__(self) -> str:
        return f"calendar feed {self.pk} of user {self.user_id}"
