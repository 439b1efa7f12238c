"""Pages of the projects app, mounted at ``/o/<org_slug>/``."""

from django.urls import include, path

from projects import views

project = "projects/<int:pk>/"
template = "templates/<int:pk>/"

urlpatterns = [
    path("", include("projects.status.urls")),
    path("", include("projects.changes.urls")),
    path("", include("projects.meetings.urls")),
    path("", include("projects.earnedvalue.urls")),
    path("projects/", views.ProjectListView.as_view(), name="project-list"),
    path("projects/new/", views.ProjectCreateView.as_view(), name="project-create"),
    path(project, views.ProjectDetailView.as_view(), name="project-detail"),
    path(f"{project}edit/", views.ProjectEditView.as_view(), name="project-edit"),
    path(f"{project}export/", views.ProjectExportView.as_view(), name="project-export"),
    path(f"{project}share/", views.ProjectShareView.as_view(), name="project-share"),
    path(f"{project}lifecycle/", views.ProjectLifecycleView.as_view(), name="project-lifecycle"),
    path(f"{project}advance/", views.PhaseAdvanceView.as_view(), name="project-advance"),
    path(f"{project}deliverables/<int:item>/", views.DeliverableStatusView.as_view(), name="project-deliverable"),
    path(f"{project}gates/<int:item>/decide/", views.GateDecideView.as_view(), name="project-gate-decide"),
    path(f"{project}tailoring/", views.TailoringProposeView.as_view(), name="project-tailoring"),
    path(
        f"{project}tailoring/<int:item>/decide/",
        views.TailoringDecideView.as_view(),
        name="project-tailoring-decide",
    ),
    path(f"{project}milestones/", views.ProjectMilestonesView.as_view(), name="project-milestones"),
    path(f"{project}milestones/<int:item>/", views.MilestoneUpdateView.as_view(), name="project-milestone"),
    path(f"{project}baselines/", views.ProjectBaselinesView.as_view(), name="project-baselines"),
    path(f"{project}baselines/compare/", views.BaselineCompareView.as_view(), name="project-baseline-compare"),
    path(f"{project}baselines/<int:version>/", views.BaselineDetailView.as_view(), name="project-baseline"),
    path(f"{project}dependencies/", views.ProjectDependenciesView.as_view(), name="project-dependencies"),
    path(f"{project}closure/", views.ProjectClosureView.as_view(), name="project-closure"),
    path(f"{project}closure/<str:verb>/", views.ClosureActionView.as_view(), name="project-closure-action"),
    path("dependencies/", views.DependencyListView.as_view(), name="dependency-list"),
    path("dependencies/<int:dependency>/delete/", views.DependencyDeleteView.as_view(), name="dependency-delete"),
    path("templates/", views.TemplateListView.as_view(), name="template-list"),
    path(template, views.TemplatePageView.as_view(), name="template-detail"),
    path(f"{template}copy/", views.TemplateCopyView.as_view(), name="template-copy"),
    path(f"{template}edit/", views.TemplateEditView.as_view(), name="template-edit"),
    path(f"{template}phases/", views.TemplatePhaseSaveView.as_view(), name="template-phase-add"),
    path(f"{template}phases/<int:item>/", views.TemplatePhaseSaveView.as_view(), name="template-phase"),
    path(
        f"{template}phases/<int:item>/delete/",
        views.TemplateItemDeleteView.as_view(kind="phase"),
        name="template-phase-delete",
    ),
    path(f"{template}deliverables/", views.TemplateDeliverableSaveView.as_view(), name="template-deliverable-add"),
    path(
        f"{template}deliverables/<int:item>/",
        views.TemplateDeliverableSaveView.as_view(),
        name="template-deliverable",
    ),
    path(
        f"{template}deliverables/<int:item>/delete/",
        views.TemplateItemDeleteView.as_view(kind="deliverable"),
        name="template-deliverable-delete",
    ),
    path(f"{template}gates/", views.TemplateGateSaveView.as_view(), name="template-gate-add"),
    path(f"{template}gates/<int:item>/", views.TemplateGateSaveView.as_view(), name="template-gate"),
    path(
        f"{template}gates/<int:item>/delete/",
        views.TemplateItemDeleteView.as_view(kind="gate"),
        name="template-gate-delete",
    ),
]
