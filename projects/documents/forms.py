"""Forms of the Documents tab. The phases are the project's own, given by the view; the service validates again
(file or link, never both; the file's type, size and content; http or https links only)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from projects.documents.models import ProjectDocument
from projects.documents.selectors import DEFAULT_SORT, DOCUMENT_ORDERINGS
from projects.knowledge.uploads import ACCEPT, FILE_TYPES

SORT_LABELS = {
    "added": _("Added"),
    "title": _("Title"),
    "kind": _("Kind"),
    "phase": _("Phase"),
}


def _allowed_types() -> str:
    return ", ".join(suffix.lstrip(".") for suffix in FILE_TYPES if suffix != ".jpeg")


def _set_choices(field: forms.Field, choices: list[tuple[Any, Any]]) -> None:
    field.choices = choices  # type: ignore[attr-defined]


class DocumentForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    kind = forms.ChoiceField(
        label=_("Kind"), choices=ProjectDocument.Kind.choices, initial=ProjectDocument.Kind.OTHER, required=False
    )
    file = forms.FileField(label=_("File"), required=False, widget=forms.FileInput(attrs={"accept": ACCEPT}))
    url = forms.CharField(
        label=_("or a link"),
        required=False,
        max_length=1000,
        widget=forms.URLInput(attrs={"placeholder": "https://"}),
        help_text=_("Where the document is kept (a wiki, a shared drive …): an http:// or https:// address."),
    )
    phase = forms.TypedChoiceField(label=_("Phase"), required=False, coerce=int, empty_value=None)
    version_label = forms.CharField(
        label=_("Version"), required=False, max_length=40, widget=forms.TextInput(attrs={"placeholder": "v1.0"})
    )
    description = forms.CharField(
        label=_("Description"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, phases: list[Any], current_phase_id: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.phases = {phase.pk: phase for phase in phases}
        _set_choices(self.fields["phase"], [("", _("No phase")), *((p.pk, p.name) for p in phases)])
        if not self.is_bound and current_phase_id in self.phases:
            self.fields["phase"].initial = current_phase_id
        self.fields["file"].help_text = _("%(types)s; at most %(limit)s.") % {
            "types": _allowed_types(),
            "limit": filesizeformat(settings.KNOWLEDGE_MAX_ATTACHMENT_BYTES),
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        has_file, has_url = bool(data.get("file")), bool((data.get("url") or "").strip())
        if has_file and has_url:
            self.add_error("url", _("Upload a file or give a link, not both."))
        elif not has_file and not has_url and "file" not in self.errors:
            self.add_error("file", _("Upload a file or give a link to the document."))
        return data

    def service_values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "title": data["title"],
            "kind": data.get("kind") or ProjectDocument.Kind.OTHER,
            "upload": data.get("file") or None,
            "url": data.get("url") or "",
            "phase": self.phases.get(data["phase"]) if data.get("phase") is not None else None,
            "version_label": data.get("version_label") or "",
            "description": data.get("description") or "",
        }


class DocumentFilterForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), required=False)
    phase = forms.TypedChoiceField(label=_("Phase"), required=False, coerce=int, empty_value=None)
    sort = forms.ChoiceField(label=_("Sort by"), required=False)

    def __init__(self, *args: Any, phases: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        everything = [("", _("All"))]
        _set_choices(self.fields["kind"], everything + list(ProjectDocument.Kind.choices))
        _set_choices(self.fields["phase"], everything + [(p.pk, p.name) for p in phases])
        sorts: list[tuple[str, Any]] = []
        for key in DOCUMENT_ORDERINGS:
            label = SORT_LABELS[key]
            sorts += [(key, label), (f"-{key}", _("%(field)s, descending") % {"field": label})]
        _set_choices(self.fields["sort"], sorts)
        self.fields["sort"].initial = DEFAULT_SORT
