"""People, calendar and staffing pages (placeholder until the feature lands)."""

from django.urls import path

from projects import views

urlpatterns = [
    path("projects/<int:pk>/staffing/", views.ProjectDetailView.as_view(), name="project-staffing"),
]
