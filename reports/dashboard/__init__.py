"""The executive portfolio dashboard: RAG now and over 12 weeks, budget by portfolio, the SPI/CPI quadrant, milestones,
escalations and decisions waiting for executives, top risks and the heat map, capacity vs demand, the intake pipeline,
PMO KPI tiles; filters by portfolio, programme, manager and status; every figure drills down; a PDF of the same."""
