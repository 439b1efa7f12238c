"""Markdown to safe HTML: ``markdown`` renders (raw HTML in the source passes through it), then ``nh3`` keeps only
an allow-list. Every article body shown on a page or returned by the API goes through ``render_markdown``.

What survives: headings, paragraphs, emphasis, lists, code, quotes, tables, horizontal rules, links (http, https,
mailto and relative; each gets ``rel="noopener noreferrer nofollow"``: a tenant's text vouches for no site) and
images whose address stays on this site (a relative URL). Scripts, styles, frames, forms, event handlers,
``style`` attributes, ``javascript:`` and ``data:`` URLs and images from other sites are removed.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import markdown
import nh3
from django.utils.safestring import SafeString, mark_safe
from markdown.extensions.tables import TableExtension

ALLOWED_TAGS = frozenset(
    {
        *(f"h{level}" for level in range(1, 7)),
        "p", "br", "hr", "strong", "em", "b", "i", "del", "s", "sub", "sup", "kbd", "mark",
        "code", "pre", "blockquote",
        "ul", "ol", "li", "dl", "dt", "dd",
        "table", "thead", "tbody", "tr", "th", "td", "caption",
        "a", "img",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES: dict[str, set[str]] = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "th": {"align"},
    "td": {"align"},
    "ol": {"start"},
}
ALLOWED_URL_SCHEMES = frozenset({"http", "https", "mailto"})
# Removed together with their content (not just the tags).
REMOVED_WITH_CONTENT = frozenset({"script", "style", "template", "iframe", "object", "noscript", "textarea", "title"})


def is_same_site_url(url: str) -> bool:
    """A relative URL (``/media/x.png``, ``img/x.png``): no scheme, no host, not protocol-relative (``//host``),
    and no backslash that a browser could read as a slash."""
    value = url.strip()
    if not value or "\\" in value or value.startswith("//"):
        return False
    parts = urlsplit(value)
    return not parts.scheme and not parts.netloc


def _attribute_filter(tag: str, attribute: str, value: str) -> str | None:
    if tag == "img" and attribute == "src":
        return value if is_same_site_url(value) else None
    return value


def sanitize_html(html: str) -> str:
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        clean_content_tags=set(REMOVED_WITH_CONTENT),
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_attribute_filter,
        url_schemes=set(ALLOWED_URL_SCHEMES),
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


def render_markdown(text: str) -> SafeString:
    """The sanitised HTML of a Markdown ``text``; safe to insert into a page unescaped."""
    html = markdown.markdown(
        text or "",
        extensions=["fenced_code", "sane_lists", TableExtension(use_align_attribute=True)],
        output_format="html",
    )
    return mark_safe(sanitize_html(html))  # noqa: S308 - the output of an allow-list sanitiser
