"""Who may do what with risks, issues and assumptions — the one map the services, selectors and pages consult.

- A project's risks, issues and assumptions are read by whoever may read the project and kept (written, escalated
  to the PMO) by whoever may change it. Portfolio-level items (no project) are read with ``PORTFOLIO_VIEW`` and
  kept with ``PORTFOLIO_MANAGE``.
- The PMO owns the PMO level: it escalates further to the executives (``RISKS_ESCALATE_EXECUTIVE``) or hands an
  item back to the project. The executives own the executive level and may hand an item back to the PMO.
"""

from __future__ import annotations

from pmo.tenancy.access import OrgAccess
from pmo.tenancy.roles import Capability
from risks.models import EscalationLevel

PORTFOLIO_READ = Capability.PORTFOLIO_VIEW
PORTFOLIO_WRITE = Capability.PORTFOLIO_MANAGE
SETTINGS = Capability.RISKS_SETTINGS
# The executives' own decisions (admin and executive), as for DCP gates: they own what reached their level.
EXECUTIVE_LEVEL = Capability.RISKS_EXECUTIVE_LEVEL

# Who owns an escalation level (sees it in "escalated to me", may de-escalate from it).
LEVEL_OWNER: dict[str, Capability] = {
    EscalationLevel.PMO: Capability.RISKS_ESCALATE_EXECUTIVE,
    EscalationLevel.EXECUTIVE: EXECUTIVE_LEVEL,
}
# What raising an item *to* a level needs beyond keeping it (to the PMO: keeping the item is enough).
ESCALATE_TO: dict[str, Capability] = {EscalationLevel.EXECUTIVE: Capability.RISKS_ESCALATE_EXECUTIVE}


def levels_owned_by(access: OrgAccess) -> list[str]:
    """The escalation levels whose items land in the actor's "escalated to me"."""
    return [level for level, capability in LEVEL_OWNER.items() if access.can(capability)]
