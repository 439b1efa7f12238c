"""Demo content of the resources app: departments, skills and 46 people (two of them the organisation's demo manager
and member), the working calendar of 2026 (China's statutory holidays and make-up working days, 调休) and New
Year's Day 2027, time off, allocations to the active, planning and on-hold projects from eight weeks back to sixteen
weeks ahead, staffing requirements with gaps, and approved, submitted and returned timesheets of the last five weeks.

This is recorded plan and past, written with the models (``bulk_create``), keeping every invariant the services keep:

- weeks are Mondays; a person has at most one allocation per project and week, so sums never double count;
- a person's allocations fit their capacity (``resources.capacity``: the calendar, time off, weekly capacity) in
  every week — a planner thins them out over holiday and leave weeks — except for four deliberate conflicts: a QA
  lead double-booked in a test crunch (which also puts the QA department over capacity), a part-timer booked on two
  projects, an engineer whose planned hours do not fit the New Year holiday week, and an operations engineer whose
  cut-over work was planned over the National Day weeks;
- one timesheet per person and week with entries of at most 168 hours near the planned hours; an approved one has
  the person's cost rate frozen and was decided by the manager (the PMO for the manager's own), never the person.

Runs after the projects seeders (it needs the projects). Idempotent: departments and skills are found by name,
people by their user or e-mail, calendar days by date, time off by (person, start); allocations and staffing
requirements are planned only for people and projects that have none, timesheets only for missing (person, week).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import Any

from django.utils import timezone

from pmo.tenancy.roles import Role
from projects.models import Project
from projects.policy import current_week_start, organization_zone
from resources.capacity import WorkingCalendar, calendar_for, week_capacity, weeks_between, working_days_off
from resources.models import (
    Allocation,
    CalendarDay,
    Department,
    Person,
    PersonSkill,
    Skill,
    StaffingRequirement,
    TimeOff,
    Timesheet,
    TimesheetEntry,
)

Text = tuple[str, str]
HOLIDAY, WORKING = CalendarDay.Kind.HOLIDAY, CalendarDay.Kind.WORKING
PAST_WEEKS = 8
AHEAD_WEEKS = 16
TIMESHEET_WEEKS = 5
HALF = Decimal("0.5")

NEW_YEAR: Text = ("New Year's Day", "元旦")
SPRING: Text = ("Spring Festival", "春节")
QINGMING: Text = ("Qingming Festival", "清明节")
LABOUR: Text = ("Labour Day", "劳动节")
DRAGON: Text = ("Dragon Boat Festival", "端午节")
MID_AUTUMN: Text = ("Mid-Autumn Festival", "中秋节")
NATIONAL: Text = ("National Day", "国庆节")


def _makeup(holiday: Text) -> Text:
    return (f"Make-up working day ({holiday[0]})", f"{holiday[1]}调休上班")


# China's statutory holidays of 2026 as the State Council published them (国办发明电〔2025〕7号), weekdays only (a
# holiday on a weekend changes nothing), with the make-up working days on weekends; and New Year's Day 2027, the
# only 2027 day certain before the State Council publishes that year's arrangement.
CALENDAR: list[tuple[dt.date, str, Text]] = [
    (dt.date(2026, 1, 1), HOLIDAY, NEW_YEAR),
    (dt.date(2026, 1, 2), HOLIDAY, NEW_YEAR),
    (dt.date(2026, 1, 4), WORKING, _makeup(NEW_YEAR)),
    (dt.date(2026, 2, 14), WORKING, _makeup(SPRING)),
    *[(dt.date(2026, 2, day), HOLIDAY, SPRING) for day in (16, 17, 18, 19, 20, 23)],
    (dt.date(2026, 2, 28), WORKING, _makeup(SPRING)),
    (dt.date(2026, 4, 6), HOLIDAY, QINGMING),
    *[(dt.date(2026, 5, day), HOLIDAY, LABOUR) for day in (1, 4, 5)],
    (dt.date(2026, 5, 9), WORKING, _makeup(LABOUR)),
    (dt.date(2026, 6, 19), HOLIDAY, DRAGON),
    (dt.date(2026, 9, 20), WORKING, _makeup(NATIONAL)),
    (dt.date(2026, 9, 25), HOLIDAY, MID_AUTUMN),
    *[(dt.date(2026, 10, day), HOLIDAY, NATIONAL) for day in (1, 2, 5, 6, 7)],
    (dt.date(2026, 10, 10), WORKING, _makeup(NATIONAL)),
    (dt.date(2027, 1, 1), HOLIDAY, NEW_YEAR),
]


@dataclass(frozen=True)
class DepartmentSpec:
    key: str
    name: Text
    roles: tuple[Text, ...]  # job roles, the first one is the lead's
    skills: tuple[str, ...]  # keys into SKILLS
    headcount: int
    rate: int  # cost rate per hour of the department's middle grade


SKILLS: dict[str, Text] = {
    "python": ("Python", "Python 开发"),
    "java": ("Java", "Java 开发"),
    "frontend": ("Front-end (React)", "前端开发（React）"),
    "embedded": ("Embedded C", "嵌入式 C 开发"),
    "pcb": ("PCB design", "硬件电路设计"),
    "rf": ("RF engineering", "射频工程"),
    "testauto": ("Test automation", "自动化测试"),
    "perf": ("Performance testing", "性能测试"),
    "cloud": ("Cloud architecture", "云架构"),
    "devops": ("Kubernetes and CI/CD", "容器与持续集成"),
    "security": ("Information security", "信息安全"),
    "requirements": ("Requirements analysis", "需求分析"),
    "erp": ("ERP configuration", "ERP 实施配置"),
    "ux": ("User research", "用户研究"),
    "ui": ("Interface design", "界面设计"),
    "data": ("Data engineering", "数据工程"),
    "ml": ("Machine learning", "机器学习"),
    "planning": ("Project scheduling", "项目计划与进度控制"),
}

DEPARTMENTS = [
    DepartmentSpec("se", ("Software Engineering", "软件研发部"),
                   (("Lead developer", "开发组长"), ("Developer", "开发工程师")),
                   ("python", "java", "frontend", "devops", "security"), 11, 420),
    DepartmentSpec("hw", ("Hardware Engineering", "硬件研发部"),
                   (("Lead hardware engineer", "硬件组长"), ("Hardware engineer", "硬件工程师")),
                   ("embedded", "pcb", "rf"), 5, 460),
    DepartmentSpec("qa", ("Quality Assurance", "测试与质量部"),
                   (("QA lead", "测试组长"), ("Test engineer", "测试工程师")),
                   ("testauto", "perf", "python"), 6, 330),
    DepartmentSpec("ops", ("Infrastructure & Operations", "基础设施运维部"),
                   (("Operations lead", "运维组长"), ("Operations engineer", "运维工程师")),
                   ("cloud", "devops", "security"), 5, 380),
    DepartmentSpec("ba", ("Business Analysis", "业务分析部"),
                   (("Lead business analyst", "首席业务分析师"), ("Business analyst", "业务分析师")),
                   ("requirements", "erp", "data"), 6, 360),
    DepartmentSpec("ux", ("Design & UX", "用户体验设计部"),
                   (("Design lead", "设计组长"), ("UX designer", "交互设计师")),
                   ("ux", "ui", "frontend"), 4, 340),
    DepartmentSpec("data", ("Data & Analytics", "数据与分析部"),
                   (("Data lead", "数据组长"), ("Data engineer", "数据工程师")),
                   ("data", "ml", "python"), 5, 440),
    DepartmentSpec("pm", ("Project Management", "项目管理部"),
                   (("Senior project manager", "高级项目经理"), ("Project manager", "项目经理")),
                   ("planning", "requirements"), 4, 480),
]  # fmt: skip

# The demo users who are also planned people: (role, department key, index of the person in the department).
LINKED_USERS = {("pm", 1): Role.MANAGER, ("se", 3): Role.MEMBER}

ENGLISH_NAMES = """Olivia Bennett, Liam Carter, Emma Dawson, Noah Ellis, Ava Fischer, Lucas Grant, Mia Hughes,
Ethan Irwin, Sophia Jensen, Mason Keller, Isabella Lawson, Logan Mitchell, Charlotte Nolan, James Owens, Amelia Price,
Benjamin Quinn, Harper Reid, Elijah Sanders, Evelyn Turner, Henry Underwood, Abigail Vaughn, Alexander Walsh,
Emily Xavier, Daniel Young, Ella Zimmerman, Samuel Brooks, Grace Coleman, David Dunn, Chloe Evans, Joseph Foster,
Victoria Gibson, Owen Harper, Zoe Ingram, Jack Jordan, Lily Kennedy, Ryan Lambert, Hannah Morris, Nathan Porter,
Aria Russell, Caleb Stone, Layla Thornton, Isaac Wade, Nora Webb, Adam Wilde"""

CHINESE_NAMES = """王伟:wang.wei 李娜:li.na 张敏:zhang.min 刘洋:liu.yang 陈静:chen.jing 杨磊:yang.lei 赵丽:zhao.li
黄强:huang.qiang 周婷:zhou.ting 吴斌:wu.bin 徐芳:xu.fang 孙浩:sun.hao 胡军:hu.jun 朱琳:zhu.lin 高翔:gao.xiang
林雪:lin.xue 何勇:he.yong 郭佳:guo.jia 马超:ma.chao 罗欣:luo.xin 梁鹏:liang.peng 宋颖:song.ying 郑凯:zheng.kai
谢丹:xie.dan 韩冰:han.bing 唐亮:tang.liang 冯雅:feng.ya 于涛:yu.tao 董慧:dong.hui 萧峰:xiao.feng 程莉:cheng.li
曹阳:cao.yang 袁梅:yuan.mei 邓刚:deng.gang 许晴:xu.qing 傅明:fu.ming 沈琪:shen.qi 曾辉:zeng.hui 彭莹:peng.ying
吕博:lv.bo 苏畅:su.chang 卢楠:lu.nan 蒋文:jiang.wen 蔡蕾:cai.lei"""

# Part-timers: (department key, index) → weekly capacity.
PART_TIME = {("se", 9): Decimal(32), ("ux", 3): Decimal(24), ("ba", 5): Decimal(20), ("data", 4): Decimal(30)}
INACTIVE = {("se", 10)}  # left last month; kept for the history


@dataclass(frozen=True)
class Segment:
    """One planned allocation: a project, a role, weeks (inclusive Mondays) and hours per week."""

    project: Project
    role: str
    start: dt.date
    end: dt.date
    hours: Decimal

    def covers(self, week: dt.date) -> bool:
        return self.start <= week <= self.end


def seed_demo(demo: Any) -> None:
    _Seeder(demo).run()


def _round_hours(value: Decimal) -> Decimal:
    """Down to a half hour."""
    return (value / HALF).to_integral_value(rounding=ROUND_FLOOR) * HALF


class _Seeder:
    def __init__(self, demo: Any) -> None:
        self.org = demo.organization
        self.users = demo.users
        self.t = demo.text
        self.zone = organization_zone(self.org)
        self.now = timezone.now()
        self.current = current_week_start(organization=self.org, now=self.now)
        self.first = self.current - dt.timedelta(weeks=PAST_WEEKS)
        self.last = self.current + dt.timedelta(weeks=AHEAD_WEEKS)
        self.weeks = weeks_between(self.first, self.last)
        self.domain = f"{self.org.slug}.example"

    def week(self, offset: int) -> dt.date:
        return self.current + dt.timedelta(weeks=offset)

    def local(self, day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=self.zone)

    def run(self) -> None:
        self.calendar_days()
        departments = self.departments()
        skills = self.skills()
        people = self.people(departments, skills)
        self.time_off(people)
        projects = {
            p.code.split("-", 1)[1] if p.code.startswith(("ACME-", "GX-")) else p.code: p
            for p in Project.objects.filter(
                organization=self.org,
                status__in=[Project.Status.ACTIVE, Project.Status.PLANNING, Project.Status.ON_HOLD],
            )
        }
        self.allocations(people, projects)
        self.staffing(projects, skills)
        self.timesheets(people)

    # --- reference data ----------------------------------------------------------------------------------------

    def calendar_days(self) -> None:
        existing = set(CalendarDay.objects.filter(organization=self.org).values_list("date", flat=True))
        CalendarDay.objects.bulk_create(
            [
                CalendarDay(organization=self.org, date=day, kind=kind, name=self.t(*name))
                for day, kind, name in CALENDAR
                if day not in existing
            ]
        )

    def departments(self) -> dict[str, Department]:
        names = {spec.key: self.t(*spec.name) for spec in DEPARTMENTS}
        existing = {d.name: d for d in Department.objects.filter(organization=self.org, name__in=names.values())}
        Department.objects.bulk_create(
            [Department(organization=self.org, name=name) for name in names.values() if name not in existing]
        )
        found = {d.name: d for d in Department.objects.filter(organization=self.org, name__in=names.values())}
        return {key: found[name] for key, name in names.items()}

    def skills(self) -> dict[str, Skill]:
        names = {key: self.t(*name) for key, name in SKILLS.items()}
        existing = set(
            Skill.objects.filter(organization=self.org, name__in=names.values()).values_list("name", flat=True)
        )
        Skill.objects.bulk_create([Skill(organization=self.org, name=n) for n in names.values() if n not in existing])
        found = {s.name: s for s in Skill.objects.filter(organization=self.org, name__in=names.values())}
        return {key: found[name] for key, name in names.items()}

    # --- people --------------------------------------------------------------------------------------------------

    def person_names(self) -> list[tuple[str, str]]:
        """(full name, e-mail) of the generated people, in this organisation's language."""
        if self.t("en", "zh") == "zh":
            pairs = [entry.split(":") for entry in CHINESE_NAMES.split()]
            return [(name, f"{login}@{self.domain}") for name, login in pairs]
        names = [name.strip() for name in ENGLISH_NAMES.split(",")]
        return [(name, f"{name.lower().replace(' ', '.')}@{self.domain}") for name in names]

    def people(self, departments: dict[str, Department], skills: dict[str, Skill]) -> dict[tuple[str, int], Person]:
        """Every demo person by (department key, index); the first of a department is its lead."""
        names = iter(self.person_names())
        wanted: dict[tuple[str, int], Person] = {}
        skill_rows: dict[tuple[str, int], list[tuple[Skill, int]]] = {}
        serial = 0
        for spec in DEPARTMENTS:
            for index in range(spec.headcount):
                key = (spec.key, index)
                role = LINKED_USERS.get(key)
                if role is not None:
                    user = self.users[role]
                    full_name, email = user.full_name or user.email, user.email
                else:
                    user = None
                    full_name, email = next(names)
                grade = Decimal(100 + 20 * ((serial * 7) % 5 - 2) + (25 if index == 0 else 0)) / 100
                wanted[key] = Person(
                    organization=self.org,
                    user=user,
                    full_name=full_name,
                    email=email,
                    department=departments[spec.key],
                    job_role=self.t(*spec.roles[0 if index == 0 else -1]),
                    cost_rate=(Decimal(spec.rate) * grade).quantize(Decimal(1)),
                    weekly_capacity=PART_TIME.get(key, Decimal(40)),
                    active=key not in INACTIVE,
                    created_at=self.now - dt.timedelta(days=300 - serial),
                )
                count = 1 + (serial * 5 + index) % 4
                skill_rows[key] = [
                    (skills[spec.skills[(index + k) % len(spec.skills)]], 2 + (serial + 2 * k + (index == 0)) % 4)
                    for k in range(min(count, len(spec.skills)))
                ]
                serial += 1
        by_user = {p.user_id: p for p in Person.objects.filter(organization=self.org, user__isnull=False)}
        by_email = {p.email.lower(): p for p in Person.objects.filter(organization=self.org).exclude(email="")}
        found: dict[tuple[str, int], Person] = {}
        new: list[Person] = []
        for key, person in wanted.items():
            existing = by_user.get(person.user_id) if person.user_id else by_email.get(person.email.lower())
            if existing is None:
                new.append(person)
            else:
                found[key] = existing
        Person.objects.bulk_create(new)
        found.update({key: person for key, person in wanted.items() if key not in found})
        have = set(PersonSkill.objects.filter(organization=self.org).values_list("person_id", "skill_id"))
        PersonSkill.objects.bulk_create(
            [
                PersonSkill(organization=self.org, person=found[key], skill=skill, level=level)
                for key, rows in skill_rows.items()
                for skill, level in rows
                if (found[key].pk, skill.pk) not in have
            ]
        )
        return found

    def time_off(self, people: dict[tuple[str, int], Person]) -> None:
        # (person, first day: weeks from the current week and weekday, working days) — leave in the timesheet
        # weeks and ahead, the kind a planner thins the allocations for.
        leave = [
            (("se", 2), -3, 0, 5, ("Annual leave", "年假")),
            (("qa", 4), -2, 3, 2, ("Family matters", "事假")),
            (("ba", 1), -4, 0, 3, ("Training course", "外部培训")),
            (("ops", 2), 1, 0, 5, ("Annual leave", "年假")),
            (("hw", 1), 2, 2, 3, ("Sick leave", "病假")),
            (("data", 1), 5, 0, 5, ("Annual leave", "年假")),
            (("ux", 1), 7, 0, 4, ("Wedding leave", "婚假")),
            (("se", 6), 9, 0, 5, ("Annual leave", "年假")),
            (("pm", 2), -1, 4, 1, ("Medical appointment", "体检")),
        ]
        existing = set(TimeOff.objects.filter(organization=self.org).values_list("person_id", "start"))
        rows = []
        for key, weeks, weekday, days, note in leave:
            person = people[key]
            start = self.week(weeks) + dt.timedelta(days=weekday)
            if (person.pk, start) in existing:
                continue
            rows.append(
                TimeOff(
                    organization=self.org,
                    person=person,
                    start=start,
                    end=start + dt.timedelta(days=days - 1),
                    note=self.t(*note),
                )
            )
        TimeOff.objects.bulk_create(rows)

    # --- allocations ---------------------------------------------------------------------------------------------

    def capacities(self, people: Iterable[Person], calendar: WorkingCalendar) -> dict[tuple[int, dt.date], Decimal]:
        periods: dict[int, list[tuple[dt.date, dt.date]]] = defaultdict(list)
        for person_id, start, end in TimeOff.objects.filter(organization=self.org).values_list(
            "person_id", "start", "end"
        ):
            periods[person_id].append((start, end))
        return {
            (person.pk, week): week_capacity(
                weekly_capacity=person.weekly_capacity,
                working_days=calendar.working_days(week),
                days_off=working_days_off(calendar=calendar, week_start=week, periods=periods[person.pk]),
            )
            for person in people
            for week in self.weeks
        }

    def span(self, project: Project, start: int, end: int) -> tuple[dt.date, dt.date] | None:
        """Weeks ``start``–``end`` (from the current week) clipped to the project's planned dates."""
        first, last = self.week(start), self.week(end)
        if project.planned_start:
            first = max(first, project.planned_start - dt.timedelta(days=project.planned_start.weekday()))
        if project.planned_finish:
            last = min(last, project.planned_finish - dt.timedelta(days=project.planned_finish.weekday()))
        return (first, last) if first <= last else None

    def plan(self, projects: dict[str, Project], people: dict[tuple[str, int], Person]) -> dict[int, list[Segment]]:
        """Each person's base plan: a main project at about half their capacity, a second one at about a third
        (the planning projects from their start), the PMs on three projects, QA's system-test crunch."""
        active = [projects[c] for c in ("001", "002", "009") if c in projects]
        planning = [p for c, p in sorted(projects.items()) if p.status == Project.Status.PLANNING]
        held = [p for p in projects.values() if p.status == Project.Status.ON_HOLD]
        if not active:
            return {}
        plans: dict[int, list[Segment]] = defaultdict(list)

        def add(person: Person, project: Project, role: str, start: int, end: int, share: Decimal) -> None:
            span = self.span(project, start, end)
            hours = _round_hours(person.weekly_capacity * share)
            if span and hours >= HALF and all(s.project != project for s in plans[person.pk]):
                plans[person.pk].append(Segment(project, role, span[0], span[1], hours))

        for (dept, index), person in people.items():
            if not person.active:
                continue
            serial = sum(ord(c) for c in dept) + index
            main = active[serial % len(active)]
            since = -PAST_WEEKS if index % 3 == 0 else -5
            if dept == "pm":
                for offset, project in enumerate([*active, *planning][index : index + 3]):
                    add(
                        person, project, person.job_role, since, AHEAD_WEEKS, Decimal("0.25") + Decimal(offset % 2) / 10
                    )
                continue
            if dept == "qa":
                main = projects.get("002", main)
                add(person, main, person.job_role, since, AHEAD_WEEKS, Decimal("0.6"))
                if index % 2 and planning:
                    add(person, planning[0], person.job_role, -5, AHEAD_WEEKS, Decimal("0.2"))
                continue
            add(person, main, person.job_role, since, AHEAD_WEEKS, Decimal("0.5"))
            second = planning[serial % len(planning)] if planning and index % 3 != 1 else None
            if second is None or index % 4 == 3:
                second = active[(serial + 1) % len(active)]
            add(person, second, person.job_role, since, AHEAD_WEEKS, Decimal("0.3"))
            if held and dept in ("ops", "se") and index in (1, 4):
                add(person, held[0], person.job_role, -PAST_WEEKS, -3, Decimal("0.1"))
        return plans

    def fit(
        self, segments: list[Segment], person: Person, capacity: dict[tuple[int, dt.date], Decimal]
    ) -> list[Segment]:
        """Thin a plan out where it does not fit a week (holidays, leave): each allocation of that week is scaled
        down (dropped under half an hour), split around runs of weeks of equal capacity."""
        for week in self.weeks:
            covering = [s for s in segments if s.covers(week)]
            total = sum((s.hours for s in covering), Decimal(0))
            cap = capacity[(person.pk, week)]
            if total <= cap:
                continue
            kept = [s for s in segments if not s.covers(week)]
            for s in covering:
                before = week - dt.timedelta(weeks=1)
                after = week + dt.timedelta(weeks=1)
                if s.start <= before:
                    kept.append(replace(s, end=before))
                if after <= s.end:
                    kept.append(replace(s, start=after))
                hours = _round_hours(s.hours * cap / total)
                if hours >= HALF:
                    kept.append(replace(s, start=week, end=week, hours=hours))
            segments = kept
        return _merge(segments)

    def allocations(self, people: dict[tuple[str, int], Person], projects: dict[str, Project]) -> None:
        planned = set(Allocation.objects.filter(organization=self.org).values_list("person_id", flat=True).distinct())
        calendar = calendar_for(organization=self.org, first=self.first, last=self.last + dt.timedelta(days=6))
        capacity = self.capacities(people.values(), calendar)
        plans = self.plan(projects, people)
        conflicts = self.conflicts(projects, people, plans, calendar)
        rows: list[Allocation] = []
        for (_dept, index), person in people.items():
            if person.pk in planned:
                continue
            fitted = self.fit(plans.get(person.pk, []), person, capacity) + conflicts.get(person.pk, [])
            created = self.now - dt.timedelta(days=70 - index)
            rows.extend(
                Allocation(
                    organization=self.org,
                    person=person,
                    project=s.project,
                    role=s.role,
                    start_week=s.start,
                    end_week=s.end,
                    hours_per_week=s.hours,
                    created_at=created,
                )
                for s in fitted
            )
        Allocation.objects.bulk_create(rows)

    def conflicts(
        self,
        projects: dict[str, Project],
        people: dict[tuple[str, int], Person],
        plans: dict[int, list[Segment]],
        calendar: WorkingCalendar,
    ) -> dict[int, list[Segment]]:
        """The deliberate over-allocations, added after fitting (so they stay): weeks above capacity for the PMO to
        resolve. Each is an allocation to a project the person has no other allocation to."""
        extra: dict[int, list[Segment]] = defaultdict(list)
        erp, portal, api = projects.get("001"), projects.get("002"), projects.get("009")
        if not (erp and portal and api):
            return extra
        # QA's system-test crunch, three to five weeks ahead: everyone in QA tops up to full capacity on the ERP
        # (planned with the QA lead's regression tests on the partner API on top) — the QA department is over
        # capacity in those weeks, and the lead by 16 hours.
        crunch = self.span(erp, 3, 5)
        if crunch:
            for (dept, index), person in people.items():
                if dept != "qa" or not person.active:
                    continue
                base = sum((s.hours for s in plans[person.pk] if s.covers(crunch[0])), Decimal(0))
                top_up = person.weekly_capacity - base
                if top_up >= HALF:
                    extra[person.pk].append(Segment(erp, self.t("System test", "系统测试"), *crunch, top_up))
                if index == 0:
                    extra[person.pk].append(Segment(api, self.t("Regression test", "回归测试"), *crunch, Decimal(16)))
        # A part-timer (24 h) booked 16 h on the portal and 16 h on the partner API this week and the next two.
        designer = people.get(("ux", 3))
        if designer and designer.active:
            plans[designer.pk] = _carve(plans[designer.pk], self.week(0), self.week(2))
            for project in (portal, api):
                extra[designer.pk].append(Segment(project, designer.job_role, self.week(0), self.week(2), Decimal(16)))
        # An engineer planned at 36 h through the first upcoming week a holiday shortens (New Year's Day).
        holiday = next((w for w in self.weeks if w > self.current and calendar.working_days(w) < 5), None)
        engineer = people.get(("se", 5))
        if holiday and engineer:
            start, end = holiday - dt.timedelta(weeks=2), holiday + dt.timedelta(weeks=2)
            plans[engineer.pk] = _carve(plans[engineer.pk], start, end)
            extra[engineer.pk] += [
                Segment(erp, engineer.job_role, start, end, Decimal(24)),
                Segment(api, engineer.job_role, start, end, Decimal(12)),
            ]
        # An operations engineer whose data-centre cut-over was planned at 32 h over the National Day weeks.
        shortened = [w for w in self.weeks if w < self.current and calendar.working_days(w) <= 3]
        operator = people.get(("ops", 3))
        if shortened and operator:
            start, end = min(shortened) - dt.timedelta(weeks=1), max(shortened) + dt.timedelta(weeks=1)
            plans[operator.pk] = _carve(plans[operator.pk], start, end)
            extra[operator.pk].append(Segment(portal, self.t("Cut-over", "割接"), start, end, Decimal(32)))
        return extra

    # --- staffing requirements -----------------------------------------------------------------------------------

    def staffing(self, projects: dict[str, Project], skills: dict[str, Skill]) -> None:
        """Per active and planning project: the roles its allocations fill (the first one short by 16 h a week)
        and two roles nobody fills yet."""
        staffed = set(StaffingRequirement.objects.filter(organization=self.org).values_list("project_id", flat=True))
        wanted = [p for p in projects.values() if p.status != Project.Status.ON_HOLD and p.pk not in staffed]
        allocated = defaultdict(list)
        for project_id, role, start, end, hours in Allocation.objects.filter(
            organization=self.org, project__in=wanted
        ).values_list("project_id", "role", "start_week", "end_week", "hours_per_week"):
            allocated[project_id].append((role, start, end, hours))
        rows = []
        for project in wanted:
            span = self.span(project, -PAST_WEEKS, AHEAD_WEEKS)
            if span is None:
                continue
            # What is filled in a typical week: the fourth week ahead, or the project's first week if later.
            week = max(self.week(4), span[0])
            filled: dict[str, Decimal] = defaultdict(Decimal)
            for role, start, end, hours in allocated[project.pk]:
                if start <= week <= end:
                    filled[role] += hours
            for n, (role, hours) in enumerate(sorted(filled.items())):
                rows.append(
                    StaffingRequirement(
                        organization=self.org,
                        project=project,
                        role=role,
                        start_week=span[0],
                        end_week=span[1],
                        hours_per_week=(hours + (16 if n == 0 else 0)).quantize(Decimal(1), rounding=ROUND_HALF_UP),
                    )
                )
            rows.append(
                StaffingRequirement(
                    organization=self.org,
                    project=project,
                    role=self.t("Security engineer", "安全工程师"),
                    skill=skills["security"],
                    start_week=max(span[0], self.week(2)),
                    end_week=span[1],
                    hours_per_week=Decimal(16),
                    note=self.t("Penetration test before go-live", "上线前渗透测试"),
                )
            )
            rows.append(
                StaffingRequirement(
                    organization=self.org,
                    project=project,
                    skill=skills["perf"],
                    start_week=max(span[0], self.week(6)),
                    end_week=span[1],
                    hours_per_week=Decimal(20),
                    note=self.t("Load tests of the release", "版本压力测试"),
                )
            )
        StaffingRequirement.objects.bulk_create(rows)

    # --- timesheets ----------------------------------------------------------------------------------------------

    def timesheets(self, people: dict[tuple[str, int], Person]) -> None:
        """The last five weeks: approved, the last week partly submitted, one returned, two people missing it."""
        weeks = [self.week(-back) for back in range(TIMESHEET_WEEKS, 0, -1)]
        existing = set(
            Timesheet.objects.filter(organization=self.org, week_start__in=weeks).values_list("person_id", "week_start")
        )
        calendar = calendar_for(organization=self.org, first=weeks[0], last=weeks[-1] + dt.timedelta(days=6))
        capacity = self.capacities(people.values(), calendar)
        planned: dict[tuple[int, dt.date], list[tuple[int, Decimal]]] = defaultdict(list)
        for person_id, project_id, start, end, hours in Allocation.objects.filter(
            organization=self.org, start_week__lte=weeks[-1], end_week__gte=weeks[0]
        ).values_list("person_id", "project_id", "start_week", "end_week", "hours_per_week"):
            for week in weeks_between(start, end):
                planned[(person_id, week)].append((project_id, hours))
        manager, pmo = self.users[Role.MANAGER], self.users[Role.PMO]
        sheets: list[Timesheet] = []
        entries: list[tuple[Timesheet, int, Decimal]] = []
        ordered = sorted(people.values(), key=lambda p: p.pk)
        for serial, person in enumerate(ordered):
            for back, week in zip(range(TIMESHEET_WEEKS, 0, -1), weeks, strict=True):
                rows = planned.get((person.pk, week))
                if not rows or (person.pk, week) in existing:
                    continue
                if back == 1 and serial % 19 == 7:
                    continue  # not entered yet: the reminder will chase them
                total = sum((h for _, h in rows), Decimal(0))
                room = max(capacity[(person.pk, week)], Decimal(0))
                scale = min(Decimal(1), room / total) if total else Decimal(0)
                wobble = Decimal((serial * 3 + back * 5) % 5 - 2) / 20  # -10 % … +10 %
                state = Timesheet.State.APPROVED
                if back == 1:
                    state = Timesheet.State.SUBMITTED if serial % 3 else Timesheet.State.APPROVED
                if back == 2 and serial == 5:
                    state = Timesheet.State.RETURNED
                decider = pmo if person.user_id == manager.pk else manager
                submitted = self.local(week + dt.timedelta(days=4), 17, (serial * 7) % 50)
                decided = self.local(week + dt.timedelta(days=7), 10, (serial * 11) % 50)
                decided = min(decided, self.now - dt.timedelta(minutes=30))
                sheet = Timesheet(
                    organization=self.org,
                    person=person,
                    week_start=week,
                    state=state,
                    submitted_at=submitted,
                    decided_by=decider if state != Timesheet.State.SUBMITTED else None,
                    decided_at=decided if state != Timesheet.State.SUBMITTED else None,
                    comment=self.t(
                        "Please split the hours between the two projects as planned.", "请按计划在两个项目间拆分工时。"
                    )
                    if state == Timesheet.State.RETURNED
                    else "",
                    cost_rate=person.cost_rate if state == Timesheet.State.APPROVED else None,
                    version=2 if state == Timesheet.State.SUBMITTED else 3,
                )
                worked = [(pid, min(Decimal(168), _round_hours(h * scale * (1 + wobble)))) for pid, h in rows]
                if not any(hours for _, hours in worked):
                    continue
                sheets.append(sheet)
                entries.extend((sheet, project_id, hours) for project_id, hours in worked if hours)
        Timesheet.objects.bulk_create(sheets)
        TimesheetEntry.objects.bulk_create(
            [
                TimesheetEntry(organization=self.org, timesheet=sheet, project_id=project_id, hours=hours)
                for sheet, project_id, hours in entries
            ]
        )


def _merge(segments: list[Segment]) -> list[Segment]:
    """Join a project's consecutive allocations of equal role and hours."""
    merged: list[Segment] = []
    for s in sorted(segments, key=lambda s: (s.project.pk, s.start)):
        last = merged[-1] if merged else None
        if (
            last
            and last.project == s.project
            and last.role == s.role
            and last.hours == s.hours
            and last.end + dt.timedelta(weeks=1) == s.start
        ):
            merged[-1] = replace(last, end=s.end)
        else:
            merged.append(s)
    return merged


def _carve(segments: list[Segment], first: dt.date, last: dt.date) -> list[Segment]:
    """The plan without the weeks ``first``–``last``: allocations across them are split around them."""
    kept: list[Segment] = []
    for s in segments:
        if s.end < first or s.start > last:
            kept.append(s)
            continue
        if s.start < first:
            kept.append(replace(s, end=first - dt.timedelta(weeks=1)))
        if s.end > last:
            kept.append(replace(s, start=last + dt.timedelta(weeks=1)))
    return kept
