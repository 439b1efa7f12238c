"""Shared steps of the role journeys (``tests/test_journeys_*.py``): the demo data, a watched browser page, timed
log-ins and the screenshots the README links.

Every journey runs on ``seed_demo``'s data (acme in English, globex in Chinese), walks one role's day in Chromium and
fails on a console error or a failed request. Screenshots go to ``test-artifacts/journeys/``; when
``PMO_SCREENSHOTS_DIR`` is set (``make screenshots``), the README's set is also copied there under fixed names.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from io import StringIO
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management import call_command
from PIL import Image

from pmo.core.management.commands.seed_demo import DEMO_PASSWORD
from pmo.tenancy.context import tenant_context
from pmo.tenancy.models import Organization
from tests.conftest import ARTIFACTS

SHOTS = ARTIFACTS / "journeys"
TABLET = {"width": 820, "height": 1000}
DESKTOP = {"width": 1280, "height": 800}
TIMINGS_FILE = SHOTS / "timings.txt"


@dataclass(frozen=True)
class Language:
    """One walk of a journey: the organisation whose demo content is in that language, and the UI language."""

    code: str  # "en" or "zh": the suffix of the screenshots' names
    org_slug: str
    django_language: str

    @property
    def chinese(self) -> bool:
        return self.code == "zh"


ENGLISH = Language("en", "acme", "en")
CHINESE = Language("zh", "globex", "zh-hans")
LANGUAGES = [ENGLISH, CHINESE]


def seed_demo() -> float:
    """Run ``seed_demo`` in the test database; return the seconds it took (printed, to keep an eye on it)."""
    started = time.perf_counter()
    call_command("seed_demo", stdout=StringIO())
    elapsed = time.perf_counter() - started
    print(f"seed_demo: {elapsed:.1f} s")
    return elapsed


def organization(language: Language) -> Organization:
    return Organization.objects.get(slug=language.org_slug)


def demo_user(language: Language, role: str) -> Any:
    return get_user_model()._default_manager.get(email=f"{role}@{language.org_slug}.example")


def in_tenant(language: Language) -> Any:
    return tenant_context(organization(language))


@dataclass
class Watch:
    """What went wrong in the browser while the journey ran: console errors, HTTP errors, failed requests."""

    problems: list[str] = field(default_factory=list)

    def attach(self, page: Any) -> None:
        page.on("console", self._console)
        page.on("response", self._response)
        page.on("requestfailed", self._failed)

    def _console(self, message: Any) -> None:
        if message.type == "error":
            self.problems.append(f"console: {message.text}")

    def _response(self, response: Any) -> None:
        if response.status >= 400:
            self.problems.append(f"HTTP {response.status}: {response.request.method} {response.url}")

    def _failed(self, request: Any) -> None:
        # A download ends the navigation's request with ERR_ABORTED: the file itself arrives as a download event.
        if request.failure != "net::ERR_ABORTED":
            self.problems.append(f"failed: {request.method} {request.url} ({request.failure})")

    def assert_clean(self) -> None:
        assert self.problems == [], "\n".join(self.problems)


def open_journey(page: Any, base: str, language: Language) -> tuple[Any, Watch]:
    """The page a journey walks, watched, in the UI language: the English walk keeps the fixture's page; the Chinese
    one gets a page of its own in a Chinese browser (``zh-CN``: the Accept-Language header and ``navigator.language`` a
    Chinese user sends), both with the cookie the header's language switch leaves."""
    if language.chinese:
        context = page.context.browser.new_context(viewport=DESKTOP, locale="zh-CN")
        page = context.new_page()
    watch = Watch()
    watch.attach(page)
    page.set_viewport_size(DESKTOP)
    page.context.add_cookies([{"name": "django_language", "value": language.django_language, "url": base}])
    return page, watch


def log_in(page: Any, base: str, email: str, *, label: str) -> float:
    """Log in through the form; return the seconds from the click to the landing page loaded (recorded)."""
    page.goto(f"{base}/accounts/login/")
    page.locator("[name=username]").fill(email)
    page.locator("[name=password]").fill(DEMO_PASSWORD)
    started = time.perf_counter()
    page.get_by_test_id("login-submit").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    page.wait_for_load_state("load")
    elapsed = time.perf_counter() - started
    record_timing(label, elapsed)
    return elapsed


def record_timing(label: str, seconds: float) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    line = f"{label}: login to landing page loaded in {seconds * 1000:.0f} ms"
    print(line)
    with TIMINGS_FILE.open("a", encoding="utf-8") as out:
        out.write(line + "\n")


def shot(page: Any, name: str, *, readme: str | None = None, full_page: bool = True) -> Path:
    """Save a screenshot as ``test-artifacts/journeys/<name>.png``; with ``readme`` also copy it to
    ``$PMO_SCREENSHOTS_DIR/<readme>`` (the names the README links)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    target = os.environ.get("PMO_SCREENSHOTS_DIR")
    if readme and target:
        Path(target).mkdir(parents=True, exist_ok=True)
        compact_copy(path, Path(target) / readme)
    return path


def compact_copy(source: Path, target: Path) -> None:
    """Copy a screenshot as a 256-colour PNG: the UI's flat colours survive, the file is a third of the size (the
    README's set is committed)."""
    with Image.open(source) as image:
        image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(
            target, optimize=True
        )


def at_tablet(page: Any) -> None:
    page.set_viewport_size(TABLET)


def at_desktop(page: Any) -> None:
    page.set_viewport_size(DESKTOP)


def no_sideways_scroll(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def main_heading(page: Any) -> str:
    return str(page.locator("main h1").first.inner_text()).strip()
