"""The bench settings' URLconf: the application's URLs plus the framework floor (``pmo.scale.views``)."""

from django.urls import include, path

from pmo.scale.views import FrameworkFloorView

urlpatterns = [
    path("o/<slug:org_slug>/_bench/floor/", FrameworkFloorView.as_view(), name="bench-floor"),
    path("", include("pmo.urls")),
]
