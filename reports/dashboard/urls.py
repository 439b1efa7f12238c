"""The executive portfolio dashboard: RAG now and over 12 weeks, budget by portfolio, the SPI/CPI quadrant, milestones,
escalations and decisions waiting for executives, top risks and the heat map, capacity vs demand, the intake pipeline,
PMO KPI tiles; filters by portfolio, programme, manager and status; every figure drills down; a PDF of the same."""

from django.urls import path

from reports.dashboard import views

urlpatterns = [
    path("dashboard/", views.DashboardView.as_view(), name="dashboard"),
    path("dashboard/projects/", views.DashboardProjectsView.as_view(), name="dashboard-projects"),
    path("dashboard/pdf/", views.DashboardPdfView.as_view(), name="dashboard-pdf"),
]
