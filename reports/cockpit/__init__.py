"""The PMO cockpit: status compliance this week, the queues waiting for the PMO, open alerts, over-allocations,
escalated risks and data quality."""
