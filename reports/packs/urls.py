"""Pages of reports.packs, mounted at ``/o/<org_slug>/``."""

from django.urls import URLPattern, URLResolver, path

from reports.packs import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("reports/", views.ReportListView.as_view(), name="report-list"),
    path("reports/<int:pk>/pdf", views.ReportPdfView.as_view(), name="report-pdf"),
]
