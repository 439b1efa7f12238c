from django.urls import path

from reports.cockpit import views

urlpatterns = [
    path("cockpit/", views.CockpitView.as_view(), name="cockpit"),
]
