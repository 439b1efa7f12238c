"""Pages of a project's documents, mounted at ``/o/<org_slug>/``."""

from django.urls import path

from projects.documents import views

urlpatterns = [
    path("projects/<int:pk>/documents/", views.ProjectDocumentsView.as_view(), name="project-documents"),
    path(
        "projects/<int:pk>/documents/<int:document>/download/",
        views.DocumentDownloadView.as_view(),
        name="project-document-download",
    ),
    path(
        "projects/<int:pk>/documents/<int:document>/delete/",
        views.DocumentDeleteView.as_view(),
        name="project-document-delete",
    ),
]
