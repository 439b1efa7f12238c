"""The audit trail's filters and sort. They type the input only; the selector applies them."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from pmo.audit.models import SecurityEventKind
from pmo.core.listing import check_range
from pmo.core.widgets import DateInput

ACTION_CHOICES = [
    ("", _("All")),
    ("insert", _("created")),
    ("update", _("changed")),
    ("delete", _("deleted")),
]
SORT_CHOICES = [("", _("Newest first")), ("oldest", _("Oldest first"))]
DATE_INPUT = DateInput()


class AuditFilterForm(forms.Form):
    model = forms.ChoiceField(label=_("Object type"), required=False)
    action = forms.ChoiceField(label=_("Action"), required=False, choices=ACTION_CHOICES)
    actor = forms.TypedChoiceField(label=_("Who"), required=False, coerce=int, empty_value=None)
    since = forms.DateField(label=_("From"), required=False, widget=DATE_INPUT)
    until = forms.DateField(label=_("To"), required=False, widget=DATE_INPUT)
    sort = forms.ChoiceField(label=_("Sort by"), required=False, choices=SORT_CHOICES)

    def __init__(self, *args: Any, models: list[tuple[str, str]], users: list[tuple[int, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        model = self.fields["model"]
        actor = self.fields["actor"]
        assert isinstance(model, forms.ChoiceField) and isinstance(actor, forms.ChoiceField)
        model.choices = [("", _("All")), *((value, label[:1].upper() + label[1:]) for value, label in models)]
        actor.choices = [("", _("Anyone")), *users]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        check_range(self, data, start="since", end="until")
        return data


class SecurityEventFilterForm(forms.Form):
    kind = forms.ChoiceField(label=_("Event"), required=False)
    user = forms.TypedChoiceField(label=_("Who"), required=False, coerce=int, empty_value=None)
    since = forms.DateField(label=_("From"), required=False, widget=DATE_INPUT)
    until = forms.DateField(label=_("To"), required=False, widget=DATE_INPUT)

    def __init__(self, *args: Any, users: list[tuple[int, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        kind = self.fields["kind"]
        user = self.fields["user"]
        assert isinstance(kind, forms.ChoiceField) and isinstance(user, forms.ChoiceField)
        kind.choices = [("", _("All")), *SecurityEventKind.choices]
        user.choices = [("", _("Anyone")), *users]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        check_range(self, data, start="since", end="until")
        return data
