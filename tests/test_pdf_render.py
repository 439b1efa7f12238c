"""The PDF engine: the URL fetcher reaches nothing but ``data:`` URLs, and a document asking for a file or a remote
resource still renders, without it."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from reports.pdf.render import FetchRefused, SafeURLFetcher, html_to_pdf

# A 1×1 transparent PNG.
PIXEL = base64.b64encode(
    bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c6360000002000005000122b7e1f70000000049454e44ae426082"
    )
).decode()


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "FILE:///etc/hostname",
        "http://169.254.169.254/latest/meta-data/",
        "https://example.com/logo.png",
        "ftp://example.com/x",
        "/etc/passwd",
        "pmo-static:../../settings.py",
    ],
)
def test_fetcher_refuses_everything_but_data_urls(url: str) -> None:
    with pytest.raises(FetchRefused):
        SafeURLFetcher().fetch(url)


def test_fetcher_serves_data_urls() -> None:
    response = SafeURLFetcher().fetch(f"data:image/png;base64,{PIXEL}")
    assert response.read().startswith(b"\x89PNG")


def test_a_document_with_forbidden_urls_renders_without_them(monkeypatch: pytest.MonkeyPatch) -> None:
    refused: list[str] = []
    original = SafeURLFetcher.fetch

    def spy(self: SafeURLFetcher, url: str, headers: Any = None) -> Any:
        try:
            return original(self, url, headers)
        except FetchRefused:
            refused.append(url)
            raise

    monkeypatch.setattr(SafeURLFetcher, "fetch", spy)
    pdf, pages = html_to_pdf(
        "<html><head><link rel='stylesheet' href='http://example.com/x.css'></head><body>"
        "<p>before</p><img src='file:///etc/passwd'><img src='http://example.com/a.png'>"
        "<img src='relative.png'><p>after</p></body></html>"
    )
    assert pdf.startswith(b"%PDF-")
    assert pages == 1
    assert "file:///etc/passwd" in refused
    assert "http://example.com/a.png" in refused
    assert "http://example.com/x.css" in refused
    assert any(url.endswith("relative.png") for url in refused)
