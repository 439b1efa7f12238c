from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from pmo.accounts.models import ApiToken, User
from pmo.accounts.services import MAX_TOKEN_LIFETIME
from pmo.accounts.signin import locked_message, signin_failed, signin_seconds_locked
from pmo.audit.services import client_of
from pmo.core.widgets import DateInput


class EmailAuthenticationForm(AuthenticationForm):
    """The sign-in form, with the lockout: while the account or the client address is locked, every attempt is
    refused (``code="locked"``) before the password is checked; a failure is counted and recorded."""

    username = forms.EmailField(
        label=_("E-mail"), widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"})
    )

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if not username or not password or self.request is None:
            return super().clean()
        client = client_of(self.request)
        seconds = signin_seconds_locked(username=username, client=client)
        if seconds:
            raise forms.ValidationError(locked_message(seconds), code="locked")
        try:
            return super().clean()
        except forms.ValidationError:
            seconds = signin_failed(username=username, client=client, channel="web")
            if seconds:
                raise forms.ValidationError(locked_message(seconds), code="locked") from None
            raise


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["full_name", "language"]


CUSTOM_EXPIRY = "date"
EXPIRY_DAYS = (7, 30, 90, 365)


class ApiTokenForm(forms.Form):
    """A new personal access token. It always expires: after 7, 30, 90 or 365 days, or at 00:00 of a chosen day
    (in the current time zone, UTC on this page) at most a year ahead; ``expires_at`` is that moment. The name's
    uniqueness and the bounds are the service's to enforce (``personal_token_create``)."""

    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("What the token is for, e.g. “Power BI refresh”. Unique among your active tokens."),
    )
    scope = forms.ChoiceField(
        label=_("Access"),
        choices=ApiToken.Scope.choices,
        initial=ApiToken.Scope.READ,
        help_text=_("Read only: the token can read but never change anything."),
    )
    expires_in = forms.ChoiceField(label=_("Expires"), initial="30")
    expires_on = forms.DateField(
        label=_("Expiry date"),
        required=False,
        widget=DateInput(),
        help_text=_("The token stops working at 00:00 UTC on this day."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        expires_in = self.fields["expires_in"]
        assert isinstance(expires_in, forms.ChoiceField)
        expires_in.choices = [
            *(
                (str(days), ngettext("In %(days)s day", "In %(days)s days", days) % {"days": days})
                for days in EXPIRY_DAYS
            ),
            (CUSTOM_EXPIRY, _("On a date")),
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        choice = data.get("expires_in")
        if choice == CUSTOM_EXPIRY:
            day = data.get("expires_on")
            today = timezone.localdate()
            if day is None:
                if "expires_on" not in self.errors:
                    self.add_error("expires_on", _("Choose the day the token expires."))
            elif day <= today:
                self.add_error("expires_on", _("Choose a day after today."))
            elif day > today + MAX_TOKEN_LIFETIME:
                self.add_error("expires_on", _("Choose a day at most a year ahead."))
            else:
                data["expires_at"] = timezone.make_aware(datetime.combine(day, time.min))
        elif choice:
            data["expires_at"] = timezone.now() + timedelta(days=int(choice))
        return data
