"""Forms of the inbox, the e-mail preferences and the webhook pages (the services validate again)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.validators import URLValidator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from reports.models import Delivery, NotificationKind, Webhook, WebhookDelivery
from reports.notifications.services import URL_SCHEMES


class InboxFilterForm(forms.Form):
    SHOW_CHOICES = [("all", _("All")), ("unread", _("Unread"))]

    show = forms.ChoiceField(label=_("Show"), choices=SHOW_CHOICES, required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=[("", _("All kinds")), *NotificationKind.choices], required=False)


class PreferencesForm(forms.Form):
    """One choice per kind: immediately, daily digest or off."""

    def __init__(self, *args: Any, current: dict[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for kind, label in NotificationKind.choices:
            self.fields[kind] = forms.ChoiceField(
                label=label, choices=Delivery.choices, initial=current.get(kind), widget=forms.RadioSelect
            )


class WebhookForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    url = forms.CharField(
        label=_("URL"),
        max_length=500,
        validators=[URLValidator(schemes=list(URL_SCHEMES), message=_("Enter an http:// or https:// address."))],
        widget=forms.URLInput(attrs={"placeholder": "https://"}),
        help_text=_("Events are POSTed to this address as JSON."),
    )
    format = forms.ChoiceField(label=_("Format"), choices=Webhook.Format.choices, initial=Webhook.Format.GENERIC)
    kinds = forms.MultipleChoiceField(
        label=_("Kinds"),
        choices=NotificationKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave all unticked to receive every kind."),
    )
    active = forms.BooleanField(label=pgettext_lazy("enabled", "Active"), required=False, initial=True)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class DeliveryFilterForm(forms.Form):
    state = forms.ChoiceField(
        label=_("State"), choices=[("", _("All states")), *WebhookDelivery.State.choices], required=False
    )
