from django.urls import path, re_path

from pmo.imports import views
from pmo.imports.models import Entity

urlpatterns = [
    path("import/", views.ImportHomeView.as_view(), name="import-home"),
    re_path(
        rf"^import/(?P<entity>{'|'.join(Entity.values)})/template\.(?P<fmt>csv|xlsx)$",
        views.TemplateDownloadView.as_view(),
        name="import-template",
    ),
    re_path(rf"^import/(?P<entity>{'|'.join(Entity.values)})/$", views.ImportHomeView.as_view(), name="import-upload"),
    path("import/batches/<int:pk>/", views.BatchView.as_view(), name="import-batch"),
    path("import/batches/<int:pk>/commit/", views.BatchCommitView.as_view(), name="import-batch-commit"),
    path("import/batches/<int:pk>/delete/", views.BatchDeleteView.as_view(), name="import-batch-delete"),
]
