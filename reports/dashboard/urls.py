from django.urls import path

from reports.dashboard import views

urlpatterns = [
    path("dashboard/", views.DashboardView.as_view(), name="dashboard"),
]
