"""Pages of reports.alerts, mounted at ``/o/<org_slug>/``."""

from django.urls import URLPattern, URLResolver, path

from reports.alerts import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("alerts/", views.AlertListView.as_view(), name="alert-list"),
    path("alerts/scan/", views.AlertScanView.as_view(), name="alert-scan"),
    path("alerts/rules/", views.AlertRuleListView.as_view(), name="alert-rule-list"),
    path("alerts/rules/new/", views.AlertRuleFormView.as_view(), name="alert-rule-create"),
    path("alerts/rules/<int:pk>/edit/", views.AlertRuleFormView.as_view(), name="alert-rule-edit"),
    path("alerts/rules/<int:pk>/<str:verb>/", views.AlertRuleActionView.as_view(), name="alert-rule-action"),
    path("alerts/<int:pk>/", views.AlertDetailView.as_view(), name="alert-detail"),
    path("alerts/<int:pk>/acknowledge/", views.AlertAcknowledgeView.as_view(), name="alert-acknowledge"),
]
