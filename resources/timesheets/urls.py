"""Timesheet pages, mounted at ``/o/<org_slug>/``."""

from django.urls import path

from resources.timesheets import views

urlpatterns = [
    path("timesheets/", views.MyTimesheetView.as_view(), name="timesheet-mine"),
    path("timesheets/approvals/", views.ApprovalQueueView.as_view(), name="timesheet-approvals"),
    path("timesheets/<int:pk>/", views.TimesheetDetailView.as_view(), name="timesheet-detail"),
    path("timesheets/<int:pk>/<str:verb>/", views.TimesheetActionView.as_view(), name="timesheet-action"),
]
