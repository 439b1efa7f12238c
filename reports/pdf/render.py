"""HTML to PDF with WeasyPrint, fetching nothing from outside the document.

A pack's HTML carries tenant-authored text (escaped by the templates) and inline SVG charts; it never needs a file or
a remote resource. The fetcher therefore refuses every URL except ``data:`` (inline images, which reach nothing
outside the document), so a crafted ``<img src="file:///etc/passwd">`` or ``http://169.254.169.254/…`` fetches
nothing even if markup ever slipped through. Fonts come from fontconfig (``fonts-noto-cjk`` gives "Noto Sans CJK SC").
"""

from __future__ import annotations

import logging
from typing import Any

from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher

logger = logging.getLogger(__name__)

ALLOWED_SCHEMES = frozenset({"data"})
# Relative URLs resolve against this, so they end up refused by the fetcher too instead of pointing at the disk.
BASE_URL = "data:,"


class FetchRefused(ValueError):
    """A pack asked for a URL it may not reach (anything but ``data:``)."""


class SafeURLFetcher(URLFetcher):
    """WeasyPrint's fetcher limited to ``data:`` URLs; everything else raises ``FetchRefused``, which WeasyPrint
    logs and skips (the image or stylesheet is left out, the rest of the document renders)."""

    def __init__(self) -> None:
        super().__init__(timeout=1, allowed_protocols=ALLOWED_SCHEMES, allow_redirects=False, fail_on_errors=False)

    def fetch(self, url: str, headers: Any = None) -> Any:
        scheme = url.split(":", 1)[0].strip().lower() if ":" in url else ""
        if scheme not in ALLOWED_SCHEMES:
            logger.warning("PDF rendering refused to fetch %r", url[:200])
            raise FetchRefused(f"refused to fetch {url[:200]!r}: only data: URLs are allowed in a report pack")
        return super().fetch(url, headers)


def html_to_pdf(html: str) -> tuple[bytes, int]:
    """Render ``html`` to PDF bytes; returns them with the page count."""
    font_config = FontConfiguration()
    document = HTML(string=html, base_url=BASE_URL, url_fetcher=SafeURLFetcher()).render(font_config=font_config)
    return document.write_pdf(), len(document.pages)
