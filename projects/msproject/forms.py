"""The upload form of the Microsoft Project import."""

from __future__ import annotations

from typing import Any

from django import forms
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from projects.msproject.parser import MAX_BYTES, MAX_TASKS


class PlanUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Microsoft Project XML file"),
        widget=forms.FileInput(attrs={"accept": ".xml,application/xml,text/xml"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _(
            "In Microsoft Project: File → Save As → XML (*.xml). At most %(limit)s and %(tasks)d tasks."
        ) % {"limit": filesizeformat(MAX_BYTES), "tasks": MAX_TASKS}

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.name.lower().endswith((".mpp", ".mpt")):
            raise forms.ValidationError(
                _(
                    "This is a Microsoft Project file (.mpp), not XML: save it with File → Save As → XML, then "
                    "upload that."
                )
            )
        return upload

    def content(self) -> bytes:
        """The upload's bytes, at most one more than the limit (the parser refuses a larger file)."""
        upload = self.cleaned_data["file"]
        upload.seek(0)
        data: bytes = upload.read(MAX_BYTES + 1)
        return data
