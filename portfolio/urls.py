"""Pages of the portfolio app, mounted at ``/o/<org_slug>/``."""

from django.urls import path

from portfolio import views

urlpatterns = [
    path("portfolios/", views.PortfolioListView.as_view(), name="portfolio-list"),
]
