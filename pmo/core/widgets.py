"""Form widgets shared by the domain apps."""

from __future__ import annotations

from typing import Any

from django import forms


class DateInput(forms.DateInput):
    """``<input type="date">``. Its value is always ISO (``2027-09-28``): the browser drops any other, and the Chinese
    date format would render ``2027/09/28``, so a pre-filled date vanished and saving the form cleared it."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")
