"""The PMO cockpit: status compliance this week, the queues waiting for the PMO, open alerts, over-allocations,
escalated risks and data quality."""

from django.urls import path

from reports.cockpit import views

urlpatterns = [
    path("cockpit/", views.CockpitView.as_view(), name="cockpit"),
    path("cockpit/remind/", views.CockpitRemindView.as_view(), name="cockpit-remind"),
    path("cockpit/quality/", views.CockpitQualityView.as_view(), name="cockpit-quality"),
    path("cockpit/queue/", views.CockpitQueueView.as_view(), name="cockpit-queue"),
]
