from django.urls import path

from pmo.imports import views

urlpatterns = [
    path("import/", views.import_home, name="import-home"),
]
