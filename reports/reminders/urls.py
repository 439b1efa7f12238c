"""Pages of reports.reminders, mounted at ``/o/<org_slug>/``."""

from django.urls import URLPattern, URLResolver, path

from reports.reminders import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("reminders/", views.ReminderPolicyView.as_view(), name="reminder-policy"),
]
