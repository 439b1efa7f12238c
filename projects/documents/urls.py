"""Pages of a project's documents, mounted at ``/o/<org_slug>/``."""

from django.urls import path

from projects.documents import views

urlpatterns = [
    path("projects/<int:pk>/documents/", views.ProjectDocumentsView.as_view(), name="project-documents"),
]
