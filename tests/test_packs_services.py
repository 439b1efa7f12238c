"""Report packs, the services and the render task (eager Celery, fake renderer): requesting validates and upserts
one row per period, regeneration keeps the row and the old PDF until the new one is stored, a stale render never
wins, failures are recorded (retryable ones retried), the requester is told once per generation and subscribers
get one e-mail per generation in their own language with the PDF attached."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

import reports.pdf
from pmo.celery import app
from reports import periods
from reports.models import Notification, Report, ReportKind, ReportSubscription
from reports.packs import services
from reports.packs.tasks import deliver_to_subscribers, render_report_task
from tests.conftest import OrgWorld
from tests.factories import UserFactory
from tests.factories_packs import FakeRenderer, ReportSubscriptionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def renderer(monkeypatch: pytest.MonkeyPatch) -> FakeRenderer:
    fake = FakeRenderer()
    monkeypatch.setattr(reports.pdf, "render_report", fake)
    return fake


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks: Any) -> Callable[..., Any]:
    """``run_on_commit(fn, **kwargs)``: call ``fn`` and run what it queued on commit (the eager render)."""

    def run(fn: Callable[..., Any], **kwargs: Any) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return fn(**kwargs)

    return run


def ask(world: OrgWorld, role: str | None = "pmo", **kwargs: Any) -> Report:
    with world.ctx():
        actor = world.users[role] if role else None
        return services.report_request(organization=world.organization, actor=actor, **kwargs)


def fetch(world: OrgWorld, pk: int) -> Report:
    with world.ctx():
        return Report.objects.select_related("project").get(pk=pk)


def count(world: OrgWorld) -> int:
    with world.ctx():
        return Report.objects.count()


def last_week(world: OrgWorld) -> str:
    return periods.previous_period(ReportKind.WEEKLY_PACK, organization=world.organization)


def test_a_request_renders_once_and_tells_the_requester(
    org_a: OrgWorld, renderer: FakeRenderer, run_on_commit: Callable[..., Any]
) -> None:
    report = run_on_commit(ask, world=org_a, kind=ReportKind.WEEKLY_PACK)
    stored = fetch(org_a, report.pk)
    assert (stored.state, stored.generation, stored.attempts) == (Report.State.READY, 1, 1)
    assert stored.period == last_week(org_a)  # the default: the last complete week
    assert stored.language == org_a.organization.default_language
    assert bytes(stored.pdf).startswith(b"%PDF") and stored.size_bytes == len(stored.pdf)
    assert stored.pages == 3 and stored.title.startswith("Pack weekly_pack") and stored.generated_at is not None
    assert [call["kind"] for call in renderer.calls] == ["weekly_pack"]
    with org_a.ctx():
        notes = list(Notification.objects.filter(report=stored))
    assert [(n.recipient_id, n.kind, n.dedup_key) for n in notes] == [
        (org_a.users["pmo"].pk, "report_ready", f"report:{stored.pk}:1:ready")
    ]
    assert notes[0].params["report_kind"] == "weekly_pack" and notes[0].url == f"/o/{org_a.slug}/reports/"


def test_regeneration_keeps_the_row_and_the_old_pdf_until_the_new_one_is_stored(
    org_a: OrgWorld, renderer: FakeRenderer, run_on_commit: Callable[..., Any], django_capture_on_commit_callbacks: Any
) -> None:
    first = run_on_commit(ask, world=org_a, kind=ReportKind.WEEKLY_PACK, period=" 2025-W07 ")
    old_pdf = bytes(fetch(org_a, first.pk).pdf)
    assert fetch(org_a, first.pk).period == "2025-W07"  # normalised: one row per period

    with django_capture_on_commit_callbacks(execute=False) as queued:
        again = ask(org_a, kind=ReportKind.WEEKLY_PACK, period="2025-W07")
    pending = fetch(org_a, again.pk)
    assert (again.pk, pending.generation, pending.state) == (first.pk, 2, Report.State.PENDING)
    assert bytes(pending.pdf) == old_pdf  # still served while the new one renders
    assert count(org_a) == 1

    for callback in queued:
        callback()
    done = fetch(org_a, first.pk)
    assert (done.state, done.generation) == (Report.State.READY, 2)
    assert bytes(done.pdf) != old_pdf and b"#2" in bytes(done.pdf)


def test_a_stale_render_finishing_after_a_newer_request_does_not_overwrite(
    org_a: OrgWorld,
    renderer: FakeRenderer,
    django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as first_queue:
        report = ask(org_a, kind=ReportKind.WEEKLY_PACK)
    newer_queue: list[Any] = []
    real = FakeRenderer()

    def render_while_someone_asks_again(**kwargs: Any) -> Any:
        # Generation 2 is requested while generation 1 is still rendering.
        with django_capture_on_commit_callbacks(execute=False) as captured:
            ask(org_a, kind=ReportKind.WEEKLY_PACK)
        newer_queue.extend(captured)
        return real(**kwargs)

    monkeypatch.setattr(reports.pdf, "render_report", render_while_someone_asks_again)
    first_queue[0]()
    stale = fetch(org_a, report.pk)
    assert (stale.generation, stale.state, stale.pdf) == (2, Report.State.PENDING, None)

    monkeypatch.setattr(reports.pdf, "render_report", renderer)
    newer_queue[0]()
    fresh = fetch(org_a, report.pk)
    assert (fresh.generation, fresh.state) == (2, Report.State.READY)
    assert count(org_a) == 1
    with org_a.ctx():
        keys = set(Notification.objects.filter(report=fresh).values_list("dedup_key", flat=True))
    assert keys == {f"report:{report.pk}:2:ready"}


def test_the_task_is_idempotent_for_a_generation_already_stored(
    org_a: OrgWorld, renderer: FakeRenderer, run_on_commit: Callable[..., Any]
) -> None:
    report = run_on_commit(ask, world=org_a, kind=ReportKind.WEEKLY_PACK)
    before = fetch(org_a, report.pk)
    outcome = run_on_commit(
        render_report_task.apply,
        kwargs={"organization_id": org_a.organization.pk, "report_id": report.pk, "generation": 1},
    )
    assert outcome.get() == "skipped"
    after = fetch(org_a, report.pk)
    assert len(renderer.calls) == 1
    assert (after.attempts, bytes(after.pdf), after.generated_at) == (1, bytes(before.pdf), before.generated_at)
    with org_a.ctx():
        assert Notification.objects.filter(report=report).count() == 1
    # A task for a generation that no longer exists (or another organisation's report) renders nothing.
    gone = run_on_commit(
        render_report_task.apply,
        kwargs={"organization_id": org_a.organization.pk, "report_id": report.pk + 999, "generation": 1},
    )
    assert gone.get() == "skipped" and len(renderer.calls) == 1


def test_a_pack_the_data_cannot_make_fails_with_its_reason_without_retrying(
    org_a: OrgWorld, renderer: FakeRenderer, run_on_commit: Callable[..., Any]
) -> None:
    renderer.fail_with = reports.pdf.PackUnavailable("No closure report was written for this project.")
    report = run_on_commit(ask, world=org_a, role="manager", kind=ReportKind.CLOSURE, project=org_a.projects[0])
    failed = fetch(org_a, report.pk)
    assert (failed.state, failed.error, failed.attempts) == (
        Report.State.FAILED,
        "No closure report was written for this project.",
        1,
    )
    assert failed.period == "" and len(renderer.calls) == 1
    with org_a.ctx():
        assert not Notification.objects.filter(report=report).exists()


def test_retryable_errors_are_retried_and_then_fail_the_report(
    org_a: OrgWorld, renderer: FakeRenderer, run_on_commit: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    flaky = FakeRenderer()
    outcomes: Iterator[BaseException | None] = iter([OSError("disk hiccup"), None])

    def once_broken(**kwargs: Any) -> Any:
        flaky.fail_with = next(outcomes)
        return flaky(**kwargs)

    monkeypatch.setattr(reports.pdf, "render_report", once_broken)
    app.conf.task_eager_propagates = False
    try:
        report = run_on_commit(ask, world=org_a, kind=ReportKind.WEEKLY_PACK)
    finally:
        app.conf.task_eager_propagates = True
    recovered = fetch(org_a, report.pk)
    assert (recovered.state, recovered.attempts, len(flaky.calls)) == (Report.State.READY, 2, 2)

    renderer.fail_with = OSError("disk gone")
    monkeypatch.setattr(reports.pdf, "render_report", renderer)
    # Eager Celery re-raises a retry when it propagates errors; let the eager run retry like a worker would.
    app.conf.task_eager_propagates = False
    try:
        run_on_commit(ask, world=org_a, kind=ReportKind.WEEKLY_PACK, period="2025-W10")
    finally:
        app.conf.task_eager_propagates = True
    with org_a.ctx():
        broken = Report.objects.get(period="2025-W10")
    assert broken.state == Report.State.FAILED and "disk gone" in broken.error
    assert broken.attempts == 4 and len(renderer.calls) == 4  # the first try and three retries


def test_bad_requests_are_refused_with_field_errors_and_create_nothing(org_a: OrgWorld, org_b: OrgWorld) -> None:
    cases: list[tuple[dict[str, Any], str]] = [
        ({"kind": "yearly"}, "kind"),
        ({"kind": ReportKind.WEEKLY_PACK, "period": "2025-13"}, "period"),
        ({"kind": ReportKind.MONTHLY_REVIEW, "period": "2025-W10"}, "period"),
        ({"kind": ReportKind.WEEKLY_PACK, "period": "2999-W01"}, "period"),
        ({"kind": ReportKind.WEEKLY_PACK, "project": org_a.projects[0]}, "project"),
        ({"kind": ReportKind.PROJECT_ONEPAGER}, "project"),
        ({"kind": ReportKind.PROJECT_ONEPAGER, "project": org_b.projects[0]}, "project"),
    ]
    for values, field in cases:
        with pytest.raises(ValidationError) as refused:
            ask(org_a, **values)
        assert field in refused.value.message_dict, values
    assert count(org_a) == 0


def test_who_may_request_what(org_a: OrgWorld, renderer: FakeRenderer) -> None:
    for role in ("manager", "member", "viewer", "executive"):
        with pytest.raises(PermissionDenied):
            ask(org_a, role=role, kind=ReportKind.WEEKLY_PACK)
    # A project's one-pager: anyone who may read the project (viewer: projects[1] only).
    assert ask(org_a, role="member", kind=ReportKind.PROJECT_ONEPAGER, project=org_a.projects[0]).pk
    assert ask(org_a, role="viewer", kind=ReportKind.PROJECT_ONEPAGER, project=org_a.projects[1]).pk
    with pytest.raises(ValidationError):
        ask(org_a, role="viewer", kind=ReportKind.PROJECT_ONEPAGER, project=org_a.projects[0])
    with pytest.raises(PermissionDenied), org_a.ctx():
        services.report_request(
            organization=org_a.organization,
            actor=UserFactory(),
            kind=ReportKind.PROJECT_ONEPAGER,
            project=org_a.projects[0],
        )
    # The one-pager defaults to this week; both requests above are one row each (two projects).
    this_week = periods.current_period(ReportKind.PROJECT_ONEPAGER, organization=org_a.organization)
    with org_a.ctx():
        assert set(Report.objects.values_list("period", flat=True)) == {this_week}
    assert count(org_a) == 2


def _subscribe(world: OrgWorld, role: str, kind: str = ReportKind.WEEKLY_PACK, language: str = "") -> Any:
    user = world.users[role]
    if language:
        user.language = language
        user.save(update_fields=["language"])
    ReportSubscriptionFactory(organization=world.organization, user=user, kind=kind)
    return user


def test_subscribers_get_one_email_per_generation_in_their_language_with_the_pdf(
    org_a: OrgWorld, renderer: FakeRenderer, run_on_commit: Callable[..., Any], django_capture_on_commit_callbacks: Any
) -> None:
    english = _subscribe(org_a, "executive", ReportKind.MONTHLY_REVIEW)
    chinese = _subscribe(org_a, "pmo", ReportKind.MONTHLY_REVIEW, language="zh-hans")
    _subscribe(org_a, "admin", ReportKind.WEEKLY_PACK)  # another kind: not told
    # A subscription left from a role with REPORTS_VIEW: the viewer may no longer read packs, so gets none.
    _subscribe(org_a, "viewer", ReportKind.MONTHLY_REVIEW)
    mail.outbox.clear()

    report = run_on_commit(ask, world=org_a, kind=ReportKind.MONTHLY_REVIEW, period="2025-11")
    packs = [m for m in mail.outbox if m.attachments]
    assert sorted(m.to[0] for m in packs) == sorted([english.email, chinese.email])
    by_to = {m.to[0]: m for m in packs}
    name, content, mimetype = by_to[english.email].attachments[0]
    assert (name, mimetype) == (f"{org_a.slug}-monthly-review-2025-11.pdf", "application/pdf")
    assert content == bytes(fetch(org_a, report.pk).pdf)
    assert "November 2025" in by_to[english.email].subject
    assert "2025年11月" in by_to[chinese.email].subject  # the period in the reader's language
    assert f"/o/{org_a.slug}/reports/" in by_to[english.email].body
    assert fetch(org_a, report.pk).subscribers_notified_generation == 1

    # Another delivery of the same generation sends nothing; a new generation is sent again.
    sent = run_on_commit(
        deliver_to_subscribers.apply,
        kwargs={"organization_id": org_a.organization.pk, "report_id": report.pk, "generation": 1},
    )
    assert sent.get() == 0
    assert len([m for m in mail.outbox if m.attachments]) == 2
    run_on_commit(ask, world=org_a, kind=ReportKind.MONTHLY_REVIEW, period="2025-11")
    assert len([m for m in mail.outbox if m.attachments]) == 4
    assert fetch(org_a, report.pk).subscribers_notified_generation == 2


def test_project_reports_have_no_subscribers(
    org_a: OrgWorld, renderer: FakeRenderer, run_on_commit: Callable[..., Any]
) -> None:
    _subscribe(org_a, "pmo", ReportKind.WEEKLY_PACK)
    mail.outbox.clear()
    run_on_commit(ask, world=org_a, role="manager", kind=ReportKind.PROJECT_ONEPAGER, project=org_a.projects[0])
    assert not [m for m in mail.outbox if m.attachments]


def test_subscriptions_are_leadership_only_and_idempotent(org_a: OrgWorld) -> None:
    def call(fn: Callable[..., Any], role: str, kind: str) -> Any:
        with org_a.ctx():
            return fn(organization=org_a.organization, actor=org_a.users[role], kind=kind)

    assert call(services.report_subscribe, "executive", ReportKind.WEEKLY_PACK)[1] is True
    assert call(services.report_subscribe, "executive", ReportKind.WEEKLY_PACK)[1] is False
    with pytest.raises(ValidationError):
        call(services.report_subscribe, "executive", ReportKind.PROJECT_ONEPAGER)
    for role in ("manager", "member", "viewer"):
        with pytest.raises(PermissionDenied):
            call(services.report_subscribe, role, ReportKind.WEEKLY_PACK)
    assert call(services.report_unsubscribe, "executive", ReportKind.WEEKLY_PACK) is True
    assert call(services.report_unsubscribe, "executive", ReportKind.WEEKLY_PACK) is False
    with org_a.ctx():
        assert not ReportSubscription.objects.exists()


def test_default_periods(org_a: OrgWorld) -> None:
    organization = org_a.organization  # Asia/Shanghai
    monday_morning = dt.datetime(2026, 11, 23, 1, 0, tzinfo=dt.UTC)  # 09:00 local, Monday of 2026-W48
    assert services.default_period(ReportKind.WEEKLY_PACK, organization=organization, now=monday_morning) == "2026-W47"
    assert services.default_period(ReportKind.MONTHLY_REVIEW, organization=organization, now=monday_morning) == (
        "2026-10"
    )
    assert services.default_period(ReportKind.PROJECT_ONEPAGER, organization=organization, now=monday_morning) == (
        "2026-W48"
    )
    assert services.default_period(ReportKind.CLOSURE, organization=organization, now=timezone.now()) == ""
