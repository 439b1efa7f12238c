"""People and their weeks, with the invariants the resources services keep (as ``resources.seed`` does for the
demo): weeks are Mondays; a person has at most one allocation per project and week; one timesheet per person and
week, entries near the planned hours, an approved one with the person's cost rate frozen and decided by the PMO.

About 2.5 people per project, in the demo's departments and skills; the project managers and the member are people
too (linked to their users), everyone else is linked to no user. Allocations run from 40 weeks back to 26 weeks
ahead as short week ranges (a planner's weekly plan): each person moves from project to project on a main
assignment at half to four fifths of their capacity, many with a side assignment; about one person in sixteen is
booked over capacity (the over-allocation pages and alerts). Running projects have staffing requirements; the last
four weeks have timesheets (last week's partly still submitted or missing)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import ROUND_FLOOR, Decimal
from typing import Any

from pmo.scale.gen_context import Gen
from pmo.scale.gen_projects import ProjectRow
from pmo.tenancy.roles import Role
from projects.models import Project
from projects.policy import week_start_of
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
from resources.seed import CALENDAR, CHINESE_NAMES, DEPARTMENTS, ENGLISH_NAMES, SKILLS

Status = Project.Status
PEOPLE_PER_PROJECT = 2.5
PAST_WEEKS = 40
AHEAD_WEEKS = 26
TIMESHEET_WEEKS = 4
HALF = Decimal("0.5")
SEGMENT_WEEKS = (1, 2, 3, 4)
SEGMENT_WEIGHTS = (45, 30, 17, 8)
WEEK = dt.timedelta(weeks=1)


def _half_hours(value: float) -> Decimal:
    return max(HALF, (Decimal(str(value)) / HALF).to_integral_value(rounding=ROUND_FLOOR) * HALF)


class ResourcesGenerator:
    def __init__(self, gen: Gen) -> None:
        self.gen = gen
        self.rng = gen.rng
        self.org_id = gen.org_id
        self.w = gen.writer
        self.first = gen.week(-PAST_WEEKS)
        self.last = gen.week(AHEAD_WEEKS)
        # person id → [(project id, first Monday, last Monday, hours)]
        self.plans: dict[int, list[tuple[int, dt.date, dt.date, Decimal]]] = defaultdict(list)

    def run(self) -> None:
        self.calendar()
        departments = self.departments()
        skills = self.skills()
        people = self.people(departments, skills)
        self.time_off(people)
        self.allocations(people)
        self.staffing(skills)
        self.timesheets(people)

    # --- reference data ----------------------------------------------------------------------------------------

    def calendar(self) -> None:
        if self.gen.plan.time_zone != "Asia/Shanghai":
            return
        gen = self.gen
        self.w.insert(
            CalendarDay,
            ("id", "organization_id", "date", "kind", "name"),
            [(self.w.next_id(CalendarDay), self.org_id, day, kind, gen.pick(name)) for day, kind, name in CALENDAR],
        )

    def departments(self) -> dict[str, int]:
        gen = self.gen
        ids = {spec.key: self.w.next_id(Department) for spec in DEPARTMENTS}
        self.w.insert(
            Department,
            ("id", "organization_id", "name"),
            [(ids[spec.key], self.org_id, gen.pick(spec.name)) for spec in DEPARTMENTS],
        )
        return ids

    def skills(self) -> dict[str, int]:
        gen = self.gen
        ids = {key: self.w.next_id(Skill) for key in SKILLS}
        self.w.insert(
            Skill, ("id", "organization_id", "name"), [(ids[k], self.org_id, gen.pick(n)) for k, n in SKILLS.items()]
        )
        return ids

    # --- people ------------------------------------------------------------------------------------------------

    def names(self) -> list[tuple[str, str]]:
        """(full name, login) pairs to draw from: every first name with every family name of the demo's lists."""
        if self.gen.plan.chinese:
            pairs = [entry.split(":") for entry in CHINESE_NAMES.split()]
            return [
                (family[0] + given[1:], f"{given_login.split('.')[1]}.{family_login.split('.')[0]}")
                for given, given_login in pairs
                for family, family_login in pairs
            ]
        full = [name.strip().split(" ") for name in ENGLISH_NAMES.split(",")]
        return [(f"{a[0]} {b[1]}", f"{a[0]}.{b[1]}".lower()) for a in full for b in full]

    def people(self, departments: dict[str, int], skills: dict[str, int]) -> list[dict[str, Any]]:
        gen, rng = self.gen, self.rng
        total = max(20, round(gen.plan.projects * PEOPLE_PER_PROJECT))
        headcount = sum(spec.headcount for spec in DEPARTMENTS)
        names = self.names()
        rng.shuffle(names)
        linked = [(user, "pm") for user in gen.managers] + [(gen.users[Role.MEMBER], "se")]
        people: list[dict[str, Any]] = []
        rows, skill_rows = [], []
        serial = 0
        for spec in DEPARTMENTS:
            size = max(2, round(total * spec.headcount / headcount))
            users = [user for user, key in linked if key == spec.key]
            for index in range(max(size, len(users))):
                user = users[index] if index < len(users) else None
                if user is not None:
                    full_name, email = user.full_name or user.email, user.email
                else:
                    full_name, login = names[serial % len(names)]
                    email = f"{login}{serial // len(names) or ''}@{gen.plan.slug}.example"
                serial += 1
                part_time = rng.random() < 0.06
                person_id = self.w.next_id(Person)
                person = {
                    "id": person_id,
                    "user_id": user.pk if user else None,
                    "capacity": Decimal(rng.choice((20, 24, 30, 32))) if part_time else Decimal(40),
                    "rate": (Decimal(spec.rate) * Decimal(rng.choice((80, 90, 100, 110, 125))) / 100).quantize(
                        Decimal(1)
                    ),
                    "role": gen.pick(spec.roles[0 if index == 0 else -1]),
                    "active": user is not None or rng.random() > 0.03,
                    "department": spec.key,
                }
                people.append(person)
                if person["active"]:
                    gen.person_names[person_id] = full_name
                if user is not None:
                    gen.person_of_user[user.pk] = person_id
                rows.append(
                    (person["id"], self.org_id, person["user_id"], full_name, email, departments[spec.key],
                     person["role"], person["rate"], person["capacity"], person["active"], 1,
                     gen.now - dt.timedelta(days=rng.randint(30, 900)))
                )  # fmt: skip
                for key in rng.sample(spec.skills, rng.randint(1, min(3, len(spec.skills)))):
                    skill_rows.append(
                        (self.w.next_id(PersonSkill), self.org_id, person["id"], skills[key], rng.randint(1, 5))
                    )
        self.w.insert(
            Person,
            ("id", "organization_id", "user_id", "full_name", "email", "department_id", "job_role", "cost_rate",
             "weekly_capacity", "active", "version", "created_at"),
            rows,
        )  # fmt: skip
        self.w.insert(PersonSkill, ("id", "organization_id", "person_id", "skill_id", "level"), skill_rows)
        return people

    def time_off(self, people: list[dict[str, Any]]) -> None:
        gen, rng = self.gen, self.rng
        notes = [
            ("Annual leave", "年假"),
            ("Sick leave", "病假"),
            ("Training course", "外部培训"),
            ("Family matters", "事假"),
        ]
        rows = []
        for person in people:
            if rng.random() < 0.2:
                start = gen.week(rng.randint(-8, 12)) + dt.timedelta(days=rng.randint(0, 4))
                rows.append(
                    (self.w.next_id(TimeOff), self.org_id, person["id"], start,
                     start + dt.timedelta(days=rng.randint(0, 6)), gen.pick(rng.choice(notes)))
                )  # fmt: skip
        self.w.insert(TimeOff, ("id", "organization_id", "person_id", "start", "end", "note"), rows)

    # --- allocations -------------------------------------------------------------------------------------------

    def spans(self) -> list[tuple[ProjectRow, dt.date, dt.date]]:
        """Each staffed project's weeks inside the planning window."""
        spans = []
        for p in self.gen.projects:
            if p.status == Status.PROPOSED:
                continue
            first = max(week_start_of(p.start), self.first)
            last = min(week_start_of(p.stopped or p.finish), self.last)
            if first <= last:
                spans.append((p, first, last))
        return spans

    def allocations(self, people: list[dict[str, Any]]) -> None:
        rng = self.rng
        spans = self.spans()
        rows: list[tuple[Any, ...]] = []
        if not spans:
            return
        for person in people:
            if not person["active"]:
                continue
            over = rng.random() < 0.06
            taken: dict[int, list[tuple[dt.date, dt.date]]] = defaultdict(list)
            main = (0.8, 0.95) if over else (0.5, 0.8)
            self.chain(person, spans, taken, main, rows)
            if over or rng.random() < 0.55:
                self.chain(person, spans, taken, (0.45, 0.6) if over else (0.15, 0.3), rows)
        self.w.insert(
            Allocation,
            ("id", "organization_id", "person_id", "project_id", "role", "start_week", "end_week", "hours_per_week",
             "version", "created_at"),
            rows,
        )  # fmt: skip

    def chain(
        self,
        person: dict[str, Any],
        spans: list[tuple[ProjectRow, dt.date, dt.date]],
        taken: dict[int, list[tuple[dt.date, dt.date]]],
        share: tuple[float, float],
        rows: list[tuple[Any, ...]],
    ) -> None:
        """Assignments one after the other across the window, each cut into week ranges."""
        gen, rng = self.gen, self.rng
        week = self.first + WEEK * rng.randint(0, 6)
        while week <= self.last:
            choice = None
            for _try in range(8):
                p, first, last = rng.choice(spans)
                if first <= week <= last and not any(a <= last and week <= b for a, b in taken[p.id]):
                    choice = (p, last)
                    break
            if choice is None:
                week += WEEK * 3
                continue
            p, last = choice
            end = min(last, week + WEEK * rng.randint(10, 40))
            taken[p.id].append((week, end))
            level = rng.uniform(*share)
            start = week
            while start <= end:
                length = rng.choices(SEGMENT_WEEKS, weights=SEGMENT_WEIGHTS)[0]
                stop = min(end, start + WEEK * (length - 1))
                hours = _half_hours(float(person["capacity"]) * level * rng.uniform(0.9, 1.08))
                rows.append(
                    (self.w.next_id(Allocation), self.org_id, person["id"], p.id, person["role"], start, stop, hours, 1,
                     gen.local(min(start, gen.today) - dt.timedelta(days=rng.randint(7, 30)), 10))
                )  # fmt: skip
                self.plans[person["id"]].append((p.id, start, stop, hours))
                start = stop + WEEK
            week = end + WEEK * rng.randint(1, 3)

    def staffing(self, skills: dict[str, int]) -> None:
        gen, rng = self.gen, self.rng
        rows = []
        skill_keys = list(skills)
        for p in gen.projects:
            if p.status not in (Status.ACTIVE, Status.ON_HOLD, Status.PLANNING):
                continue
            first = max(week_start_of(p.start), gen.week(-4))
            last = min(week_start_of(p.finish), gen.week(AHEAD_WEEKS))
            if first > last:
                continue
            for _k in range(rng.randint(2, 4)):
                spec = rng.choice(DEPARTMENTS)
                with_skill = rng.random() < 0.6
                rows.append(
                    (self.w.next_id(StaffingRequirement), self.org_id, p.id, gen.pick(spec.roles[-1]),
                     skills[rng.choice(skill_keys)] if with_skill else None, first, last,
                     Decimal(rng.choice((20, 40, 40, 60, 80, 120))), "")
                )  # fmt: skip
        self.w.insert(
            StaffingRequirement,
            ("id", "organization_id", "project_id", "role", "skill_id", "start_week", "end_week", "hours_per_week",
             "note"),
            rows,
        )  # fmt: skip

    # --- timesheets --------------------------------------------------------------------------------------------

    def timesheets(self, people: list[dict[str, Any]]) -> None:
        gen, rng = self.gen, self.rng
        pmo = gen.users[Role.PMO].pk
        sheets, entries = [], []
        for person in people:
            plan = self.plans.get(person["id"])
            if not plan:
                continue
            for back in range(TIMESHEET_WEEKS, 0, -1):
                monday = gen.week(-back)
                planned = [(project, hours) for project, a, b, hours in plan if a <= monday <= b]
                if not planned:
                    continue
                if back == 1:
                    state = rng.choices(
                        ("submitted", "approved", "draft", "returned", None), weights=(55, 25, 6, 2, 12)
                    )[0]
                else:
                    state = rng.choices(("approved", "submitted", None), weights=(95, 3, 2))[0]
                if state is None:
                    continue
                submitted = gen.past(gen.local(monday + dt.timedelta(days=4), 17), 30) if state != "draft" else None
                decided = (
                    gen.past(gen.local(monday + dt.timedelta(days=7), 11), 20)
                    if state in ("approved", "returned")
                    else None
                )
                sheet_id = self.w.next_id(Timesheet)
                sheets.append(
                    (sheet_id, self.org_id, person["id"], monday, state, submitted, pmo if decided else None, decided,
                     gen.t("Please book the workshop hours.", "请补填研讨会工时。") if state == "returned" else "",
                     person["rate"] if state == "approved" else None,
                     1 + (submitted is not None) + (decided is not None))
                )  # fmt: skip
                for project_id, hours in planned:
                    actual = min(Decimal(168), _half_hours(float(hours) * rng.uniform(0.85, 1.1)))
                    entries.append((self.w.next_id(TimesheetEntry), self.org_id, sheet_id, project_id, actual, ""))
        self.w.insert(
            Timesheet,
            ("id", "organization_id", "person_id", "week_start", "state", "submitted_at", "decided_by_id",
             "decided_at", "comment", "cost_rate", "version"),
            sheets,
        )  # fmt: skip
        self.w.insert(TimesheetEntry, ("id", "organization_id", "timesheet_id", "project_id", "hours", "note"), entries)


def resources_generate(gen: Gen) -> None:
    ResourcesGenerator(gen).run()
