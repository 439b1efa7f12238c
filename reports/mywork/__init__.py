"""My work: a manager's projects, this week's status, change requests, risks and actions due and the team's
allocations; a member's allocations, timesheet and actions."""
