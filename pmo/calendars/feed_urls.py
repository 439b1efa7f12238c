"""The feeds themselves, under ``/feeds/``: a secret address per user and organisation, read without a session."""

from django.urls import path

from pmo.calendars import views

urlpatterns = [
    path("<str:token>.ics", views.feed_ics, name="calendar-feed-ics"),
]
