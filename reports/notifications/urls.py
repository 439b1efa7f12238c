"""Pages of reports.notifications, mounted at ``/o/<org_slug>/``: the inbox, e-mail preferences, webhooks."""

from django.urls import path

from reports.notifications import views

urlpatterns = [
    path("inbox/", views.InboxView.as_view(), name="inbox"),
    path("inbox/read-all/", views.NotificationsReadAllView.as_view(), name="inbox-read-all"),
    path("inbox/preferences/", views.PreferencesView.as_view(), name="notification-preferences"),
    path("inbox/<int:pk>/read/", views.NotificationReadView.as_view(), name="inbox-read"),
    path("inbox/<int:pk>/open/", views.NotificationOpenView.as_view(), name="inbox-open"),
    path("webhooks/", views.WebhookListView.as_view(), name="webhook-list"),
    path("webhooks/new/", views.WebhookFormView.as_view(), name="webhook-create"),
    path("webhooks/<int:pk>/", views.WebhookDetailView.as_view(), name="webhook-detail"),
    path("webhooks/<int:pk>/edit/", views.WebhookFormView.as_view(), name="webhook-edit"),
    path("webhooks/<int:pk>/delete/", views.WebhookDeleteView.as_view(), name="webhook-delete"),
    path("webhooks/<int:pk>/rotate-secret/", views.WebhookRotateSecretView.as_view(), name="webhook-rotate-secret"),
    path("webhooks/<int:pk>/test/", views.WebhookTestView.as_view(), name="webhook-test"),
    path(
        "webhooks/<int:pk>/deliveries/<int:delivery_pk>/resend/",
        views.WebhookDeliveryResendView.as_view(),
        name="webhook-delivery-resend",
    ),
]
