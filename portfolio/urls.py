"""Pages of the portfolio app, mounted at ``/o/<org_slug>/``."""

from django.urls import path

from portfolio.views import intake, scenarios, structure

urlpatterns = [
    path("portfolios/", structure.PortfolioListView.as_view(), name="portfolio-list"),
    path("portfolios/new/", structure.PortfolioCreateView.as_view(), name="portfolio-create"),
    path("portfolios/<int:pk>/", structure.PortfolioDetailView.as_view(), name="portfolio-detail"),
    path("portfolios/<int:pk>/edit/", structure.PortfolioEditView.as_view(), name="portfolio-edit"),
    path("portfolios/<int:pk>/delete/", structure.PortfolioDeleteView.as_view(), name="portfolio-delete"),
    path("programmes/", structure.ProgrammeListView.as_view(), name="programme-list"),
    path("programmes/new/", structure.ProgrammeCreateView.as_view(), name="programme-create"),
    path("programmes/<int:pk>/", structure.ProgrammeDetailView.as_view(), name="programme-detail"),
    path("programmes/<int:pk>/edit/", structure.ProgrammeEditView.as_view(), name="programme-edit"),
    path("programmes/<int:pk>/delete/", structure.ProgrammeDeleteView.as_view(), name="programme-delete"),
    path("objectives/", structure.ObjectiveListView.as_view(), name="objective-list"),
    path("objectives/new/", structure.ObjectiveCreateView.as_view(), name="objective-create"),
    path("objectives/<int:pk>/", structure.ObjectiveDetailView.as_view(), name="objective-detail"),
    path("objectives/<int:pk>/edit/", structure.ObjectiveEditView.as_view(), name="objective-edit"),
    path("objectives/<int:pk>/delete/", structure.ObjectiveDeleteView.as_view(), name="objective-delete"),
    path("intake/", intake.RequestQueueView.as_view(), name="intake-queue"),
    path("intake/new/", intake.RequestCreateView.as_view(), name="intake-request-create"),
    path("intake/<int:pk>/", intake.RequestDetailView.as_view(), name="intake-request-detail"),
    path("intake/<int:pk>/edit/", intake.RequestEditView.as_view(), name="intake-request-edit"),
    path("intake/<int:pk>/submit/", intake.RequestSubmitView.as_view(), name="intake-request-submit"),
    path("intake/<int:pk>/withdraw/", intake.RequestWithdrawView.as_view(), name="intake-request-withdraw"),
    path("intake/<int:pk>/score/", intake.RequestScoreView.as_view(), name="intake-request-score"),
    path("intake/<int:pk>/decide/", intake.RequestDecideView.as_view(), name="intake-request-decide"),
    path("intake/pipeline/", intake.PipelineView.as_view(), name="intake-pipeline"),
    path("intake/scoring/", intake.ScoringModelView.as_view(), name="intake-scoring"),
    path("intake/scoring/<int:pk>/", intake.CriterionUpdateView.as_view(), name="intake-criterion-update"),
    path("intake/scoring/<int:pk>/delete/", intake.CriterionDeleteView.as_view(), name="intake-criterion-delete"),
    path("intake/scenarios/", scenarios.ScenarioListView.as_view(), name="intake-scenarios"),
    path("intake/scenarios/compare/", scenarios.ScenarioCompareView.as_view(), name="intake-scenario-compare"),
    path("intake/scenarios/<int:pk>/", scenarios.ScenarioDetailView.as_view(), name="intake-scenario-detail"),
    path("intake/scenarios/<int:pk>/delete/", scenarios.ScenarioDeleteView.as_view(), name="intake-scenario-delete"),
]
