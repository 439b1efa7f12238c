"""Timesheets in the API (URL names start with ``api-``): ``timesheets/`` with the actions ``submit``, ``approve``
and ``return``."""

from rest_framework.routers import SimpleRouter

from resources.timesheets import api

router = SimpleRouter(trailing_slash=True)
router.register("timesheets", api.TimesheetViewSet, basename="api-timesheet")

urlpatterns = [*router.urls]
