"""People, working calendar and project staffing pages, mounted at ``/o/<org_slug>/``."""

from django.urls import path

from resources import views

urlpatterns = [
    path("resources/people/", views.PeopleListView.as_view(), name="people-list"),
    path("resources/people/new/", views.PersonFormView.as_view(), name="person-create"),
    path("resources/people/<int:pk>/", views.PersonDetailView.as_view(), name="person-detail"),
    path("resources/people/<int:pk>/edit/", views.PersonFormView.as_view(), name="person-edit"),
    path("resources/people/<int:pk>/<str:verb>/", views.PersonActionView.as_view(), name="person-action"),
    path("resources/calendar/", views.CalendarView.as_view(), name="calendar"),
    path("resources/catalogue/", views.CatalogueView.as_view(), name="resource-catalogue"),
    path("projects/<int:pk>/staffing/", views.ProjectStaffingView.as_view(), name="project-staffing"),
]
