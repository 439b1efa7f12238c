"""Resource planning pages, mounted at ``/o/<org_slug>/``."""

from django.urls import path

from resources import planning_views as views

urlpatterns = [
    path("resources/", views.ResourcesHomeView.as_view(), name="resources-home"),
    path(
        "resources/capacity/<str:by>/<int:group>/<str:week>/",
        views.CapacityDrillDownView.as_view(),
        name="capacity-drilldown",
    ),
    path("resources/overallocations/", views.OverAllocationsView.as_view(), name="overallocations"),
    path("resources/allocations/", views.AllocationListView.as_view(), name="allocations"),
    path("resources/allocations/<int:pk>/edit/", views.AllocationEditView.as_view(), name="allocation-edit"),
    path("resources/utilization/", views.UtilizationView.as_view(), name="utilization"),
]
