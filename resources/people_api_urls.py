"""People, departments, skills, time off, the working calendar and project staffing in the API (URL names start
with ``api-``)."""

from rest_framework.routers import SimpleRouter

from resources import api

router = SimpleRouter(trailing_slash=True)
router.register("people", api.PersonViewSet, basename="api-person")
router.register(r"people/(?P<person_pk>\d+)/time-off", api.TimeOffViewSet, basename="api-person-time-off")
router.register("departments", api.DepartmentViewSet, basename="api-department")
router.register("skills", api.SkillViewSet, basename="api-skill")
router.register("calendar", api.CalendarViewSet, basename="api-calendar")
router.register(r"projects/(?P<project_pk>\d+)/staffing", api.StaffingViewSet, basename="api-project-staffing")

urlpatterns = router.urls
