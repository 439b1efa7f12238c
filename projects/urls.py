"""Pages of the projects app, mounted at ``/o/<org_slug>/``."""

from django.urls import path

from projects import views

urlpatterns = [
    path("projects/", views.ProjectListView.as_view(), name="project-list"),
    path("projects/<int:pk>/", views.ProjectDetailView.as_view(), name="project-detail"),
]
