"""What every part of one organisation's generation shares: the organisation, its random stream, its users, its
clock (today and the current ISO week in its time zone), its control policy and the writer."""

from __future__ import annotations

import datetime as dt
import random
import zoneinfo
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pmo.scale.gen_copy import BulkWriter
from pmo.scale.gen_plan import OrgPlan
from pmo.tenancy.models import Organization
from projects.models import ControlPolicy

if TYPE_CHECKING:
    from pmo.scale.gen_projects import ProjectRow


@dataclass
class Gen:
    organization: Organization
    plan: OrgPlan
    rng: random.Random
    writer: BulkWriter
    now: dt.datetime
    today: dt.date
    current_week: dt.date
    zone: zoneinfo.ZoneInfo
    policy: ControlPolicy
    users: dict[str, Any] = field(default_factory=dict)  # by role: admin, pmo, executive, manager, member, viewer
    managers: list[Any] = field(default_factory=list)  # every project manager, manager@ first
    projects: list[ProjectRow] = field(default_factory=list)
    portfolio_ids: list[int] = field(default_factory=list)
    programmes: dict[int, list[int]] = field(default_factory=dict)  # portfolio id → programme ids
    person_of_user: dict[int, int] = field(default_factory=dict)  # user id → person id
    person_names: dict[int, str] = field(default_factory=dict)  # the active people: person id → name

    @property
    def org_id(self) -> int:
        return self.organization.pk

    def t(self, english: str, chinese: str) -> str:
        return chinese if self.plan.chinese else english

    def pick(self, pair: tuple[str, str]) -> str:
        return self.t(*pair)

    def local(self, day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
        """A moment of the organisation's local day, in UTC."""
        return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=self.zone).astimezone(dt.UTC)

    def past(self, moment: dt.datetime, minutes_before_now: int = 5) -> dt.datetime:
        """``moment``, but never later than ``minutes_before_now`` before now."""
        return min(moment, self.now - dt.timedelta(minutes=minutes_before_now))

    def week(self, offset: int) -> dt.date:
        """The Monday ``offset`` weeks from the current week."""
        return self.current_week + dt.timedelta(weeks=offset)
