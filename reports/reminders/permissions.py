"""Who may do what with reminders: leadership reads the policy and the preview (which names every project and its
manager, hence the capability to see all projects); admins and the PMO change the policy, as they do the control
policy whose due time the status reminders follow."""

from pmo.tenancy.roles import Capability

VIEW = Capability.PROJECTS_VIEW_ALL
MANAGE = Capability.CONTROL_POLICY_MANAGE
