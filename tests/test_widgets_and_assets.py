"""Small guards of the UI: dates render as ISO whatever the language, every stylesheet a template links exists."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from django.conf import settings
from django.utils import translation

from pmo.core.widgets import DateInput
from projects.status.forms import StatusReportForm


def test_a_date_input_renders_iso_in_chinese_so_the_browser_keeps_it() -> None:
    with translation.override("zh-hans"):
        html = DateInput().render("due", dt.date(2027, 9, 28))

    assert 'type="date"' in html
    assert 'value="2027-09-28"' in html


def test_the_status_form_keeps_its_forecast_finish_in_chinese() -> None:
    with translation.override("zh-hans"):
        form = StatusReportForm(initial={"forecast_finish": dt.date(2027, 9, 28)})
        html = str(form["forecast_finish"])

    assert 'value="2027-09-28"' in html


def test_every_static_file_a_template_links_exists() -> None:
    base = Path(settings.BASE_DIR)
    linked = set()
    for template in (base / "templates").rglob("*.html"):
        linked |= set(re.findall(r"{% static '([^']+)' %}", template.read_text(encoding="utf-8")))

    assert linked, "no template links a static file: the pattern no longer matches"
    missing = sorted(path for path in linked if not (base / "static" / path).exists())
    assert not missing, missing
