"""Users log in with their e-mail address; API tokens are stored only as hashes."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any, ClassVar

import pghistory
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def get_by_natural_key(self, username: str | None) -> User:
        return self.get(email__iexact=(username or "").strip())

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField(_("e-mail address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    language = models.CharField(
        _("language"),
        max_length=10,
        blank=True,
        choices=settings.LANGUAGES,
        help_text=_("Leave empty to use the organisation's default language."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("staff status"), default=False)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        ordering = ["email"]
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(models.functions.Lower("email"), name="user_email_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@pghistory.track(
    pghistory.InsertEvent("created"),
    pghistory.UpdateEvent("revoked", condition=pghistory.AnyChange("revoked_at")),
    fields=["user", "name", "prefix", "scope", "expires_at", "revoked_at"],
    obj_field=pghistory.ObjForeignKey(related_name="events", db_index=True),
    model_name="ApiTokenEvent",
)
class ApiToken(models.Model):
    """A bearer token for the API. The raw value is shown once, at creation; only its SHA-256 is kept.

    A token belongs to a user, not to an organisation: it acts as that user in every organisation the user is a
    member of (the API still resolves the organisation from the URL). Its creation and revocation are recorded by
    database triggers in ``ApiTokenEvent`` (with the acting user and the URL of the request), which outlives the
    purge of dead tokens; the use of a token (``last_used_at``) is not an event."""

    class Scope(models.TextChoices):
        READ = "read", _("Read only")
        READ_WRITE = "read_write", _("Read and write")

    class State(models.TextChoices):
        ACTIVE = "active", pgettext_lazy("token state", "Active")
        EXPIRED = "expired", pgettext_lazy("token state", "Expired")
        REVOKED = "revoked", pgettext_lazy("token state", "Revoked")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100, default="login")
    prefix = models.CharField(max_length=12, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    scope = models.CharField(_("scope"), max_length=20, choices=Scope.choices, default=Scope.READ_WRITE)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "-created_at"], name="apitoken_user_created_idx")]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name})"

    def is_usable(self) -> bool:
        return self.state() == self.State.ACTIVE

    def state(self, now: datetime | None = None) -> ApiToken.State:
        """Revoked wins over expired: a revoked token says so even after its expiry date."""
        if self.revoked_at is not None:
            return self.State.REVOKED
        if self.expires_at is not None and self.expires_at <= (now or timezone.now()):
            return self.State.EXPIRED
        return self.State.ACTIVE

    def get_state_display(self) -> str:
        return str(self.state().label)


# The event model that ``pghistory.track`` generated above (set in this module at run time; named here for readers
# and type checkers): ``pgh_created_at``, ``pgh_label`` (created / revoked), ``pgh_context`` (user, url), the token's
# ``user``, ``name``, ``prefix``, ``scope``, ``expires_at`` and ``revoked_at`` at that moment.
ApiTokenEvent: Any = globals()["ApiTokenEvent"]
