"""Microsoft Project XML (MSPDI) plans for the tests, written as Microsoft Project 2016 and later save them (XML
declaration, the project namespace, ``SaveVersion`` 14, a standard calendar, tasks in outline order with their
predecessor links and baseline 0, the unassigned resource), so no binary fixture is needed.

``sample_xml()`` is the reference plan: a CRM roll-out of 30 tasks on three outline levels, five phases (four of
them named as the standard lifecycle's) and six milestones, every task baselined, the first phase done. Rows are
scheduled one after another on working days (Monday to Friday, 08:00–17:00), so the dates are easy to predict:
``schedule(rows, start)`` gives them. ``python -m tests.msproject_sample [--zh] > plan.xml`` writes it out.
"""

from __future__ import annotations

import datetime as dt
import sys
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

NAMESPACE = "http://schemas.microsoft.com/project"
DEFAULT_START = dt.date(2026, 9, 7)  # a Monday
DAY_START, DAY_FINISH = dt.time(8, 0), dt.time(17, 0)
HOURS_PER_DAY = 8


@dataclass(frozen=True)
class Row:
    """One line of the plan: ``days`` working days (0: a milestone); a row followed by deeper rows is a summary."""

    name: str
    level: int
    days: int = 0
    percent: int = 0
    notes: str = ""
    active: bool = True
    milestone: bool | None = None  # None: a milestone when it takes no time
    # Working days the current schedule lies after the baseline (a slip), from this row on.
    slip: int = 0


@dataclass
class Scheduled:
    row: Row
    uid: int
    outline_number: str
    summary: bool
    start: dt.datetime
    finish: dt.datetime
    baseline_start: dt.datetime
    baseline_finish: dt.datetime
    predecessors: list[int] = field(default_factory=list)

    @property
    def is_milestone(self) -> bool:
        return self.row.milestone if self.row.milestone is not None else (not self.summary and self.row.days == 0)


# (English, Chinese, level, working days, % complete); phases 1–4 and 5 carry the standard lifecycle's names.
REFERENCE: list[tuple[str, str, int, int, int]] = [
    ("Initiation", "启动", 1, 0, 100),
    ("Kick-off meeting", "项目启动会", 2, 1, 100),
    ("Project charter", "项目章程", 2, 3, 100),
    ("Stakeholder analysis", "干系人分析", 2, 2, 100),
    ("Charter approved", "章程批准", 2, 0, 100),
    ("Planning", "规划", 1, 0, 0),
    ("Requirements", "需求", 2, 0, 0),
    ("Requirements workshops", "需求研讨会", 3, 5, 0),
    ("Requirements specification", "需求规格说明书", 3, 4, 0),
    ("Schedule and budget", "进度与预算", 2, 3, 0),
    ("Plan approved", "计划批准", 2, 0, 0),
    ("Execution", "执行", 1, 0, 0),
    ("Design", "设计", 2, 0, 0),
    ("Solution design", "方案设计", 3, 5, 0),
    ("Design review", "设计评审", 3, 1, 0),
    ("Build", "构建", 2, 0, 0),
    ("Data migration scripts", "数据迁移脚本", 3, 8, 0),
    ("Integration interfaces", "集成接口", 3, 10, 0),
    ("Build complete", "构建完成", 2, 0, 0),
    ("Testing and acceptance", "测试与验收", 1, 0, 0),
    ("Test plan", "测试计划", 2, 2, 0),
    ("System test", "系统测试", 2, 6, 0),
    ("User acceptance test", "用户验收测试", 2, 5, 0),
    ("UAT sign-off", "验收签字", 2, 0, 0),
    ("Closure", "收尾", 1, 0, 0),
    ("Go-live", "上线", 2, 0, 0),
    ("Hypercare", "上线支持", 2, 10, 0),
    ("Lessons learned", "经验教训总结", 2, 2, 0),
    ("Project closed", "项目关闭", 2, 0, 0),
]
PHASES_EN = [name for name, _zh, level, _d, _p in REFERENCE if level == 1]
MILESTONES_EN = ["Charter approved", "Plan approved", "Build complete", "UAT sign-off", "Go-live", "Project closed"]


def reference_rows(*, chinese: bool = False, slip: int = 0) -> list[Row]:
    """The reference plan's rows; ``slip`` working days of delay from the Execution phase on (baseline unchanged)."""
    rows = []
    slipping = False
    for en, zh, level, days, percent in REFERENCE:
        slipping = slipping or en == "Execution"
        rows.append(Row(zh if chinese else en, level, days, percent, slip=slip if slipping else 0))
    return rows


def large_rows(task_count: int) -> list[Row]:
    """About ``task_count`` rows: five phases, each of work packages of four tasks and a milestone."""
    rows: list[Row] = []
    per_phase = max(1, (task_count - 5) // 5)
    for p in range(1, 6):
        rows.append(Row(f"Phase {p}", 1))
        package = 0
        while len(rows) < p * (per_phase + 1):
            package += 1
            rows.append(Row(f"Work package {p}.{package}", 2))
            rows += [Row(f"Task {p}.{package}.{t}", 3, 1) for t in range(1, 4)]
            rows.append(Row(f"Milestone {p}.{package}", 3))
    return rows


def _add_working_days(day: dt.date, days: int) -> dt.date:
    """The working day ``days`` working days after ``day`` (Monday to Friday)."""
    step = 1 if days >= 0 else -1
    for _ in range(abs(days)):
        day += dt.timedelta(days=step)
        while day.weekday() >= 5:
            day += dt.timedelta(days=step)
    return day


def _next_working_day(day: dt.date) -> dt.date:
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


def _shift(moment: dt.datetime, days: int) -> dt.datetime:
    return dt.datetime.combine(_add_working_days(moment.date(), days), moment.time())


def schedule(rows: Sequence[Row], start: dt.date = DEFAULT_START) -> list[Scheduled]:
    """Dates of each row. Baseline: work rows one after another (finish-to-start on the previous work row), a
    milestone at the finish of the work row before it, a summary spanning its rows. The current schedule is the
    baseline moved by each row's ``slip`` working days."""
    start = _next_working_day(start)
    scheduled: list[Scheduled] = []
    previous_finish: dt.datetime | None = None
    last_work_uid: int | None = None
    outline: list[int] = []
    for index, row in enumerate(rows):
        summary = index + 1 < len(rows) and rows[index + 1].level > row.level
        del outline[row.level :]
        outline += [0] * (row.level - len(outline))
        outline[row.level - 1] += 1
        if summary or row.days == 0:
            begin = end = previous_finish or dt.datetime.combine(start, DAY_START)
        else:
            first = _add_working_days(previous_finish.date(), 1) if previous_finish else start
            begin = dt.datetime.combine(first, DAY_START)
            end = dt.datetime.combine(_add_working_days(first, row.days - 1), DAY_FINISH)
            previous_finish = end
        item = Scheduled(
            row=row,
            uid=index + 1,
            outline_number=".".join(str(n) for n in outline),
            summary=summary,
            start=_shift(begin, row.slip),
            finish=_shift(end, row.slip),
            baseline_start=begin,
            baseline_finish=end,
            predecessors=[last_work_uid] if last_work_uid and not summary else [],
        )
        if not summary and row.days:
            last_work_uid = item.uid
        scheduled.append(item)
    # Summaries span their rows.
    for i in reversed(range(len(scheduled))):
        item = scheduled[i]
        if not item.summary:
            continue
        children = []
        for later in scheduled[i + 1 :]:
            if later.row.level <= item.row.level:
                break
            children.append(later)
        item.start = min(c.start for c in children)
        item.finish = max(c.finish for c in children)
        item.baseline_start = min(c.baseline_start for c in children)
        item.baseline_finish = max(c.baseline_finish for c in children)
    return scheduled


# --- Writing MSPDI -----------------------------------------------------------------------------------------------


def _fmt(value: dt.datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%S")


def _working_hours(start: dt.datetime, finish: dt.datetime) -> int:
    if finish <= start:
        return 0
    days, day = 0, start.date()
    while day <= finish.date():
        days += day.weekday() < 5
        day += dt.timedelta(days=1)
    return days * HOURS_PER_DAY


def _duration(hours: int) -> str:
    return f"PT{hours}H0M0S"


def _sub(parent: ET.Element, tag: str, text: object = None) -> ET.Element:
    child = ET.SubElement(parent, tag)
    if text is not None:
        child.text = str(text)
    return child


def _calendar(parent: ET.Element) -> None:
    calendars = _sub(parent, "Calendars")
    calendar = _sub(calendars, "Calendar")
    for tag, value in (
        ("UID", 1),
        ("GUID", uuid.UUID(int=1)),
        ("Name", "Standard"),
        ("IsBaseCalendar", 1),
        ("IsBaselineCalendar", 0),
        ("BaseCalendarUID", -1),
    ):
        _sub(calendar, tag, value)
    weekdays = _sub(calendar, "WeekDays")
    for day_type in range(1, 8):  # 1 Sunday … 7 Saturday
        weekday = _sub(weekdays, "WeekDay")
        _sub(weekday, "DayType", day_type)
        working = day_type not in (1, 7)
        _sub(weekday, "DayWorking", int(working))
        if working:
            times = _sub(weekday, "WorkingTimes")
            for start, finish in (("08:00:00", "12:00:00"), ("13:00:00", "17:00:00")):
                period = _sub(times, "WorkingTime")
                _sub(period, "FromTime", start)
                _sub(period, "ToTime", finish)


def _task(
    parent: ET.Element, *, uid: int, item: Scheduled | None, name: str, level: int, outline: str, **span: dt.datetime
) -> None:
    task = _sub(parent, "Task")
    summary = item.summary if item else True
    milestone = item.is_milestone if item else False
    row = item.row if item else Row(name, 0)
    hours = 0 if milestone else _working_hours(span["start"], span["finish"])
    baseline_hours = 0 if milestone else _working_hours(span["baseline_start"], span["baseline_finish"])
    for tag, value in (
        ("UID", uid),
        ("GUID", uuid.UUID(int=1000 + uid)),
        ("ID", uid),
        ("Name", name),
        ("Active", int(row.active)),
        ("Manual", 0),
        ("Type", 1 if summary else 0),
        ("IsNull", 0),
        ("CreateDate", "2026-08-03T09:12:00"),
        ("WBS", outline),
        ("OutlineNumber", outline),
        ("OutlineLevel", level),
        ("Priority", 500),
        ("Start", _fmt(span["start"])),
        ("Finish", _fmt(span["finish"])),
        ("Duration", _duration(hours)),
        ("ManualStart", _fmt(span["start"])),
        ("ManualFinish", _fmt(span["finish"])),
        ("ManualDuration", _duration(hours)),
        ("DurationFormat", 7 if not summary else 21),
        ("Work", _duration(hours)),
        ("ResumeValid", 0),
        ("EffortDriven", 0),
        ("Recurring", 0),
        ("OverAllocated", 0),
        ("Estimated", 0),
        ("Milestone", int(milestone)),
        ("Summary", int(summary)),
        ("Critical", 1),
        ("IsSubproject", 0),
        ("IsSubprojectReadOnly", 0),
        ("ExternalTask", 0),
        ("FixedCost", 0),
        ("FixedCostAccrual", 3),
        ("PercentComplete", row.percent),
        ("PercentWorkComplete", row.percent),
        ("ConstraintType", 0),
        ("CalendarUID", -1),
    ):
        _sub(task, tag, value)
    if row.percent == 100:
        _sub(task, "ActualStart", _fmt(span["start"]))
        _sub(task, "ActualFinish", _fmt(span["finish"]))
    if row.notes:
        _sub(task, "Notes", row.notes)
    for predecessor in item.predecessors if item else []:
        link = _sub(task, "PredecessorLink")
        for tag, value in (
            ("PredecessorUID", predecessor),
            ("Type", 1),
            ("CrossProject", 0),
            ("LinkLag", 0),
            ("LagFormat", 7),
        ):
            _sub(link, tag, value)
    baseline = _sub(task, "Baseline")
    for tag, value in (
        ("Number", 0),
        ("Start", _fmt(span["baseline_start"])),
        ("Finish", _fmt(span["baseline_finish"])),
        ("Duration", _duration(baseline_hours)),
        ("DurationFormat", 7),
        ("EstimatedDuration", 0),
        ("Work", _duration(baseline_hours)),
        ("Cost", 0),
    ):
        _sub(baseline, tag, value)


def build_xml(rows: Sequence[Row], *, title: str = "CRM roll-out", start: dt.date = DEFAULT_START) -> bytes:
    """The MSPDI document of ``rows`` as Microsoft Project writes it (UTF-8, with the XML declaration)."""
    ET.register_namespace("", NAMESPACE)
    scheduled = schedule(rows, start)
    project = ET.Element(f"{{{NAMESPACE}}}Project")
    first, last = min(s.start for s in scheduled), max(s.finish for s in scheduled)
    baseline_first = min(s.baseline_start for s in scheduled)
    baseline_last = max(s.baseline_finish for s in scheduled)
    for tag, value in (
        ("SaveVersion", 14),
        ("BuildNumber", "16.0.17928.20114"),
        ("Name", f"{title}.xml"),
        ("Title", title),
        ("GUID", uuid.UUID("6f1c2a4e-8d3b-4c5a-9e7f-0a1b2c3d4e5f")),
        ("CreationDate", "2026-08-03T09:00:00"),
        ("LastSaved", "2026-08-28T16:45:00"),
        ("ScheduleFromStart", 1),
        ("StartDate", _fmt(first)),
        ("FinishDate", _fmt(last)),
        ("FYStartDate", 1),
        ("CriticalSlackLimit", 0),
        ("CurrencyDigits", 2),
        ("CurrencySymbol", "¥"),
        ("CurrencyCode", "CNY"),
        ("CurrencySymbolPosition", 0),
        ("CalendarUID", 1),
        ("DefaultStartTime", "08:00:00"),
        ("DefaultFinishTime", "17:00:00"),
        ("MinutesPerDay", HOURS_PER_DAY * 60),
        ("MinutesPerWeek", HOURS_PER_DAY * 60 * 5),
        ("DaysPerMonth", 20),
        ("DefaultTaskType", 0),
        ("DefaultFixedCostAccrual", 3),
        ("DurationFormat", 7),
        ("WorkFormat", 2),
        ("HonorConstraints", 0),
        ("NewTasksEffortDriven", 0),
        ("NewTasksEstimated", 1),
        ("WeekStartDay", 1),
        ("MoveCompletedEndsBack", 0),
        ("MicrosoftProjectServerURL", 1),
        ("Autolink", 0),
        ("NewTaskStartDate", 0),
        ("NewTasksAreManual", 0),
    ):
        _sub(project, tag, value)
    _calendar(project)
    tasks = _sub(project, "Tasks")
    _task(
        tasks,
        uid=0,
        item=None,
        name=title,
        level=0,
        outline="0",
        start=first,
        finish=last,
        baseline_start=baseline_first,
        baseline_finish=baseline_last,
    )
    for item in scheduled:
        _task(
            tasks,
            uid=item.uid,
            item=item,
            name=item.row.name,
            level=item.row.level,
            outline=item.outline_number,
            start=item.start,
            finish=item.finish,
            baseline_start=item.baseline_start,
            baseline_finish=item.baseline_finish,
        )
    resources = _sub(project, "Resources")
    unassigned = _sub(resources, "Resource")
    for tag, value in (("UID", 0), ("ID", 0), ("Type", 1), ("IsNull", 0), ("WorkGroup", 0)):
        _sub(unassigned, tag, value)
    _sub(project, "Assignments")
    ET.indent(project, space="  ")
    body = ET.tostring(project, encoding="unicode", short_empty_elements=True)
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + body + "\n").encode("utf-8")


def sample_xml(*, chinese: bool = False, slip: int = 0, start: dt.date = DEFAULT_START) -> bytes:
    """The reference plan (English or Chinese names)."""
    title = "CRM 系统上线" if chinese else "CRM roll-out"
    return build_xml(reference_rows(chinese=chinese, slip=slip), title=title, start=start)


def renamed(rows: Sequence[Row], old: str, new: str) -> list[Row]:
    return [replace(row, name=new) if row.name == old else row for row in rows]


if __name__ == "__main__":
    sys.stdout.buffer.write(sample_xml(chinese="--zh" in sys.argv[1:]))
