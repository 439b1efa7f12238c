"""Pages of the knowledge base, mounted at ``/o/<org_slug>/``."""

from django.urls import path

from projects.knowledge import views

urlpatterns = [
    path("knowledge/", views.KnowledgeListView.as_view(), name="knowledge-list"),
    path("knowledge/new/", views.ArticleFormView.as_view(), name="knowledge-create"),
    path("knowledge/<int:pk>/", views.KnowledgeDetailView.as_view(), name="knowledge-detail"),
    path("knowledge/<int:pk>/edit/", views.ArticleFormView.as_view(), name="knowledge-edit"),
    path("knowledge/<int:pk>/delete/", views.ArticleDeleteView.as_view(), name="knowledge-delete"),
    path("knowledge/<int:pk>/attachments/", views.AttachmentUploadView.as_view(), name="knowledge-attachment-upload"),
    path(
        "knowledge/<int:pk>/attachments/<int:attachment_pk>/",
        views.AttachmentDownloadView.as_view(),
        name="knowledge-attachment-download",
    ),
    path(
        "knowledge/<int:pk>/attachments/<int:attachment_pk>/delete/",
        views.AttachmentDeleteView.as_view(),
        name="knowledge-attachment-delete",
    ),
]
