"""Watching history: alerts, alert scans, notifications, report packs and subscriptions.

The open alerts are what the alert scan would open on this data: the rules (the defaults of the setup hook) are
evaluated with ``reports.alerts.scan.evaluate`` over the generated rows, and each breach is written as an open
alert with the value and threshold the scan compares, so the next real scan finds nothing to change; some were
acknowledged by the PMO. Before them, weeks of resolved alerts; a scan record every hour of the last week; every
alert told its rule's roles and its subject's owner in their inbox (the older ones read and e-mailed).

Report history: the scheduled weekly packs of the last 26 weeks and monthly reviews of the last 12 months, a
closure report per closed project and on-demand one-pagers, all ready, each with the same small placeholder PDF
(rendering real packs belongs to the benchmark); the schedules' last period set; the PMO and the executive
subscribed to both packs.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.utils import translation

from pmo.scale.gen_context import Gen
from pmo.tenancy.models import Membership
from pmo.tenancy.roles import Role
from projects.models import Project
from projects.policy import week_label
from reports.alerts.scan import alert_url, evaluate
from reports.metrics import METRICS
from reports.models import (
    ORGANIZATION_REPORT_KINDS,
    Alert,
    AlertRule,
    AlertScan,
    Notification,
    NotificationKind,
    Operator,
    Report,
    ReportKind,
    ReportSchedule,
    ReportSubscription,
    SubjectType,
)
from reports.packs.delivery import reports_page_path
from reports.periods import month_label

RATIO = Decimal("0.0001")
ALERT_COLUMNS = (
    "id", "organization_id", "rule_id", "metric", "subject_type", "subject_id", "project_id", "person_id",
    "severity", "value", "threshold", "state", "opened_at", "last_evaluated_at", "acknowledged_at",
    "acknowledged_by_id", "acknowledgement_note", "resolved_at", "resolved_value",
)  # fmt: skip
NOTIFICATION_COLUMNS = (
    "id", "organization_id", "recipient_id", "kind", "severity", "params", "url", "alert_id", "report_id",
    "dedup_key", "created_at", "read_at", "email_state", "emailed_at",
)  # fmt: skip
REPORT_COLUMNS = (
    "id", "organization_id", "kind", "period", "project_id", "language", "title", "state", "trigger", "generation",
    "requested_by_id", "requested_at", "started_at", "generated_at", "pdf", "pages", "size_bytes", "render_ms",
    "attempts", "error", "subscribers_notified_generation",
)  # fmt: skip


def placeholder_pdf() -> bytes:
    """A valid one-page PDF saying that the pack was generated as scale test data (not rendered)."""
    text = b"BT /F1 14 Tf 72 770 Td (Scale test data: this pack was not rendered.) Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(text) + text + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


PDF = placeholder_pdf()


class ReportsGenerator:
    def __init__(self, gen: Gen) -> None:
        self.gen = gen
        self.rng = gen.rng
        self.org_id = gen.org_id
        self.w = gen.writer
        self.pmo = gen.users[Role.PMO]
        self.rules = list(AlertRule.objects.filter(organization=gen.organization, enabled=True).order_by("pk"))
        members = Membership.objects.filter(organization=gen.organization).values_list("role", "user_id")
        self.by_role: dict[str, list[int]] = defaultdict(list)
        for role, user_id in members:
            self.by_role[role].append(user_id)
        self.user_of_person = {person: user for user, person in gen.person_of_user.items()}
        self.projects = {p.id: p for p in gen.projects}
        self.notifications: list[tuple[Any, ...]] = []
        self.seen: set[tuple[int, str]] = set()

    def run(self) -> None:
        self.alerts()
        self.reports()
        self.w.insert(Notification, NOTIFICATION_COLUMNS, self.notifications)

    # --- alerts ------------------------------------------------------------------------------------------------

    def subject_text(self, subject_type: str, subject_id: int) -> tuple[str, str | None, str | None]:
        if subject_type == SubjectType.PROJECT and subject_id in self.projects:
            p = self.projects[subject_id]
            return f"{p.code} {p.name}", p.code, p.name
        if subject_type == SubjectType.PERSON:
            return self.gen.person_names.get(subject_id, str(subject_id)), None, None
        return self.gen.organization.name, None, None

    def owner(self, subject_type: str, subject_id: int) -> int | None:
        if subject_type == SubjectType.PROJECT and subject_id in self.projects:
            return self.projects[subject_id].manager_id
        if subject_type == SubjectType.PERSON:
            return self.user_of_person.get(subject_id)
        return None

    def alerts(self) -> None:
        gen, rng = self.gen, self.rng
        evaluation = evaluate(organization=gen.organization, rules=self.rules, now=gen.now)
        rules = {rule.pk: rule for rule in self.rules}
        rows: list[tuple[Any, ...]] = []
        for (rule_id, subject_type, subject_id), value in sorted(evaluation.breaches.items()):
            rule = rules[rule_id]
            opened = gen.now - dt.timedelta(hours=rng.randint(1, 24 * 28))
            acknowledged = rng.random() < 0.15
            alert_id = self.w.next_id(Alert)
            rows.append(
                (alert_id, self.org_id, rule_id, rule.metric, subject_type, subject_id,
                 subject_id if subject_type == SubjectType.PROJECT else None,
                 subject_id if subject_type == SubjectType.PERSON else None,
                 rule.severity, value, rule.threshold,
                 Alert.State.ACKNOWLEDGED if acknowledged else Alert.State.OPEN, opened, gen.now,
                 opened + dt.timedelta(hours=rng.randint(1, 48)) if acknowledged else None,
                 self.pmo.pk if acknowledged else None,
                 gen.t("Raised with the project manager; a recovery plan is due at the weekly meeting.",
                       "已与项目经理沟通，恢复计划将在周例会上提交。") if acknowledged else "",
                 None, None)
            )  # fmt: skip
            self.alert_notifications(rule, alert_id, subject_type, subject_id, value, opened)
        # History: alerts of the last 16 weeks that recovered (a subject may have breached a rule several times).
        subjects = self.history_subjects()
        for _n in range(round(len(rows) * 1.5) + len(self.projects) // 4):
            rule = rng.choice(self.rules)
            metric = METRICS.get(rule.metric)
            pool = subjects.get(metric.subject if metric else "")
            if not pool:
                continue
            subject_id = rng.choice(pool)
            opened = gen.now - dt.timedelta(hours=rng.randint(24 * 3, 24 * 7 * 16))
            resolved = min(gen.now - dt.timedelta(hours=1), opened + dt.timedelta(hours=rng.randint(2, 24 * 21)))
            value, recovered = self.breach_values(rule)
            alert_id = self.w.next_id(Alert)
            rows.append(
                (alert_id, self.org_id, rule.pk, rule.metric, metric.subject if metric else "", subject_id,
                 subject_id if metric and metric.subject == SubjectType.PROJECT else None,
                 subject_id if metric and metric.subject == SubjectType.PERSON else None,
                 rule.severity, value, rule.threshold, Alert.State.RESOLVED, opened, resolved, None, None, "",
                 resolved, recovered)
            )  # fmt: skip
            self.alert_notifications(rule, alert_id, metric.subject if metric else "", subject_id, value, opened)
        self.w.insert(Alert, ALERT_COLUMNS, rows)
        self.scans(len(evaluation.breaches), evaluation.evaluated)

    def history_subjects(self) -> dict[str, list[int]]:
        live = [p.id for p in self.gen.projects if p.status in (Project.Status.ACTIVE, Project.Status.ON_HOLD)]
        return {
            SubjectType.PROJECT: live,
            SubjectType.PERSON: list(self.gen.person_names),
            SubjectType.ORGANIZATION: [self.org_id],
        }

    def breach_values(self, rule: AlertRule) -> tuple[Decimal, Decimal]:
        """A value that breaches ``rule`` and the value it recovered to."""
        u = self.rng.uniform
        threshold = float(rule.threshold) or 1.0
        if rule.operator in (Operator.LT, Operator.LTE):
            value, recovered = threshold * u(0.75, 0.98), threshold * u(1.01, 1.12)
        else:
            value, recovered = threshold * u(1.05, 1.6) + 1, threshold * u(0.3, 0.9)
        return Decimal(value).quantize(RATIO), Decimal(recovered).quantize(RATIO)

    def alert_notifications(
        self, rule: AlertRule, alert_id: int, subject_type: str, subject_id: int, value: Decimal, opened: dt.datetime
    ) -> None:
        gen, rng = self.gen, self.rng
        recipients = [user for role in rule.notify_roles for user in self.by_role.get(role, [])]
        owner = self.owner(subject_type, subject_id) if rule.notify_owner else None
        if owner is not None:
            recipients.append(owner)
        subject, code, name = self.subject_text(subject_type, subject_id)
        params = {
            "metric": rule.metric,
            "value": format(value.normalize(), "f"),
            "threshold": format(rule.threshold.normalize(), "f"),
            "operator": rule.operator,
            "severity": rule.severity,
            "rule": rule.name,
            "rule_id": rule.pk,
            "subject_type": subject_type,
            "subject": subject,
            "project_code": code,
            "project_name": name,
            "alert_id": alert_id,
        }
        url = alert_url(gen.organization, alert_id)
        old = opened < gen.now - dt.timedelta(days=2)
        for user_id in recipients:
            self.notify(user_id, NotificationKind.ALERT, rule.severity, params, url, f"alert:{alert_id}", opened,
                        read=old and rng.random() < 0.7, alert_id=alert_id)  # fmt: skip

    def notify(
        self,
        user_id: int,
        kind: str,
        severity: str,
        params: dict[str, Any],
        url: str,
        dedup_key: str,
        created: dt.datetime,
        *,
        read: bool,
        alert_id: int | None = None,
        report_id: int | None = None,
    ) -> None:
        if (user_id, dedup_key) in self.seen:
            return
        self.seen.add((user_id, dedup_key))
        emailed = created + dt.timedelta(seconds=self.rng.randint(5, 90))
        self.notifications.append(
            (self.w.next_id(Notification), self.org_id, user_id, kind, severity, params, url, alert_id, report_id,
             dedup_key, created, emailed + dt.timedelta(hours=self.rng.randint(1, 40)) if read else None,
             Notification.EmailState.SENT, emailed)
        )  # fmt: skip

    def scans(self, still_open: int, evaluated: int) -> None:
        gen, rng = self.gen, self.rng
        rows = []
        for hours in range(7 * 24, 0, -1):
            started = gen.now - dt.timedelta(hours=hours, minutes=rng.randint(0, 10))
            duration = rng.randint(40, 400) + evaluated // 20
            rows.append(
                (self.w.next_id(AlertScan), self.org_id, started, started + dt.timedelta(milliseconds=duration),
                 duration, len(self.rules), evaluated, rng.choice((0, 0, 0, 1)), rng.choice((0, 0, 0, 1)),
                 still_open, "beat", "")
            )  # fmt: skip
        self.w.insert(
            AlertScan,
            ("id", "organization_id", "started_at", "finished_at", "duration_ms", "rules", "evaluated", "opened",
             "resolved", "still_open", "trigger", "error"),
            rows,
        )  # fmt: skip

    # --- report packs ------------------------------------------------------------------------------------------

    def reports(self) -> None:
        gen, rng = self.gen, self.rng
        language = gen.organization.default_language
        with translation.override(language):
            labels = {kind: str(label) for kind, label in ReportKind.choices}
        rows: list[tuple[Any, ...]] = []

        def add(kind: str, period: str, project: Any, requested: dt.datetime, requester: int | None) -> int:
            report_id = self.w.next_id(Report)
            render_ms = rng.randint(900, 9000)
            started = requested + dt.timedelta(seconds=rng.randint(1, 20))
            title = f"{labels[kind]} {period}".strip() if project is None else f"{labels[kind]}: {project.code}"
            rows.append(
                (report_id, self.org_id, kind, period, project.id if project else None, language, title,
                 Report.State.READY, Report.Trigger.MANUAL if requester else Report.Trigger.SCHEDULE, 1, requester,
                 requested, started, started + dt.timedelta(milliseconds=render_ms), PDF, 1, len(PDF), render_ms, 1,
                 "", 0 if requester else 1)
            )  # fmt: skip
            if requester is not None:
                params = {"report_id": report_id, "report_kind": kind, "title": title, "period": period,
                          "generation": 1, "pages": 1}  # fmt: skip
                if project is not None:
                    params.update(project_code=project.code, project_name=project.name)
                url = reports_page_path(gen.organization)
                key, read = f"report:{report_id}:1:ready", rng.random() < 0.6
                self.notify(requester, NotificationKind.REPORT_READY, "info", params, url, key, started, read=read,
                            report_id=report_id)  # fmt: skip
            return report_id

        weekly = [gen.week(-back) for back in range(26, 0, -1)]
        for monday in weekly:
            add(ReportKind.WEEKLY_PACK, week_label(monday), None, gen.local(monday + dt.timedelta(days=7), 8), None)
        months = []
        first = gen.today.replace(day=1)
        for _n in range(12):
            first = (first - dt.timedelta(days=1)).replace(day=1)
            months.append(first)
        for month in reversed(months):
            next_month = (month + dt.timedelta(days=32)).replace(day=1)
            add(ReportKind.MONTHLY_REVIEW, month_label(month), None, gen.local(next_month, 8), None)
        for p in gen.projects:
            if p.status == Project.Status.CLOSED and p.closed_at is not None:
                add(ReportKind.CLOSURE, "", p, p.closed_at + dt.timedelta(hours=2), self.pmo.pk)
            elif p.status == Project.Status.ACTIVE and rng.random() < 0.1:
                add(ReportKind.PROJECT_ONEPAGER, week_label(gen.current_week), p,
                    gen.past(gen.local(gen.current_week, 9), 30) - dt.timedelta(minutes=rng.randint(0, 600)),
                    p.manager_id)  # fmt: skip
        self.w.insert(Report, REPORT_COLUMNS, rows)
        ReportSchedule.objects.filter(organization=gen.organization, kind=ReportKind.WEEKLY_PACK).update(
            last_period=week_label(weekly[-1])
        )
        ReportSchedule.objects.filter(organization=gen.organization, kind=ReportKind.MONTHLY_REVIEW).update(
            last_period=month_label(months[0])
        )
        ReportSubscription.objects.bulk_create(
            [
                ReportSubscription(organization=gen.organization, user=gen.users[role], kind=kind)
                for role in (Role.PMO, Role.EXECUTIVE)
                for kind in ORGANIZATION_REPORT_KINDS
            ]
        )
        gen.writer.counts[ReportSubscription._meta.db_table] += 2 * len(ORGANIZATION_REPORT_KINDS)


def reports_generate(gen: Gen) -> None:
    ReportsGenerator(gen).run()
