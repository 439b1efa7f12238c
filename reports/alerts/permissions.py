"""Who may do what with alerts — the one map the services, selectors, pages and the API consult.

- Leadership (``ALERTS_VIEW`` with ``PROJECTS_VIEW_ALL``: admin, PMO, executive) reads every alert and the metric
  values. A manager (``ALERTS_VIEW`` without it) reads the alerts of the projects they may read and the person
  alerts (managers hold ``RESOURCES_VIEW``); never the organisation-level ones. Members and viewers read none.
- ``ALERTS_ACKNOWLEDGE``: the PMO and admins acknowledge any alert; a manager only the alerts of projects they may
  change.
- ``ALERT_RULES_MANAGE`` (admin, PMO) keeps the rules and runs a scan by hand; ``ALERTS_VIEW`` reads the rules.
"""

from __future__ import annotations

from pmo.tenancy.access import OrgAccess
from pmo.tenancy.roles import Capability

VIEW = Capability.ALERTS_VIEW
ACKNOWLEDGE = Capability.ALERTS_ACKNOWLEDGE
MANAGE_RULES = Capability.ALERT_RULES_MANAGE
# Seeing every alert (not only those of the projects one may read) and every subject's metric values.
VIEW_ALL = Capability.PROJECTS_VIEW_ALL
# Acknowledging any alert, not only those of projects one may change.
ACKNOWLEDGE_ALL = Capability.PROJECTS_CHANGE_ALL
PERSON_ALERTS = Capability.RESOURCES_VIEW


def sees_all(access: OrgAccess) -> bool:
    return access.can(VIEW) and access.can(VIEW_ALL)
