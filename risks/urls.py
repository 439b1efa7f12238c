"""Pages of risks (placeholder until the feature lands)."""

from django.urls import path

from projects import views

urlpatterns = [
    path("projects/<int:pk>/raid/", views.ProjectDetailView.as_view(), name="project-raid"),
]
