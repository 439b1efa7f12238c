from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pmo.imports.parsing import MAX_BYTES, MAX_ROWS


class UploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Spreadsheet"), widget=forms.FileInput(attrs={"accept": ".xlsx,.csv"}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _("XLSX (first sheet) or CSV, at most %(size)d MB and %(rows)s rows.") % {
            "size": MAX_BYTES // (1024 * 1024),
            "rows": f"{MAX_ROWS:,}",
        }
