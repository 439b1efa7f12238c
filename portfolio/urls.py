from django.urls import path

from portfolio import views

urlpatterns = [
    path("", views.PortfolioListView.as_view(), name="portfolio-list"),
]
