"""The portfolio app's API, mounted at ``/api/v1/orgs/<org_slug>/``."""

from rest_framework.routers import SimpleRouter

from portfolio.api.intake import PipelineViewSet, ProjectRequestViewSet
from portfolio.api.scenarios import ScenarioViewSet
from portfolio.api.structure import ObjectiveViewSet, PortfolioViewSet, ProgrammeViewSet, ScoringCriterionViewSet

router = SimpleRouter(trailing_slash=True)
router.register("portfolios", PortfolioViewSet, basename="api-portfolio")
router.register("programs", ProgrammeViewSet, basename="api-programme")
router.register("objectives", ObjectiveViewSet, basename="api-objective")
router.register("scoring-criteria", ScoringCriterionViewSet, basename="api-scoring-criterion")
router.register("requests", ProjectRequestViewSet, basename="api-request")
router.register("pipeline", PipelineViewSet, basename="api-pipeline")
router.register("scenarios", ScenarioViewSet, basename="api-scenario")

urlpatterns = router.urls
