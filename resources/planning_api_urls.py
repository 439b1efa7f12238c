"""Resource planning in the API: allocations, over-allocation, capacity vs demand, utilisation (URL names start
with ``api-``)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from resources import planning_api as api

router = SimpleRouter(trailing_slash=True)
router.register("allocations", api.AllocationViewSet, basename="api-allocation")

urlpatterns = [
    path("overallocations/", api.OverAllocationView.as_view(), name="api-overallocations"),
    path("capacity/", api.CapacityView.as_view(), name="api-capacity"),
    path("capacity/drilldown/", api.CapacityDrillDownView.as_view(), name="api-capacity-drilldown"),
    path("utilization/", api.UtilizationView.as_view(), name="api-utilization"),
    *router.urls,
]
