"""Earned-value pages under ``/o/<org_slug>/``."""

from django.urls import path

from projects.earnedvalue import views

urlpatterns = [
    path("projects/<int:pk>/evm/", views.ProjectEvmView.as_view(), name="project-evm"),
    path("projects/<int:pk>/evm/s-curve.svg", views.ProjectSCurveSvgView.as_view(), name="project-evm-s-curve"),
]
