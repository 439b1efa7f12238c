from django.urls import path

from reports.mywork import views

urlpatterns = [
    path("my/", views.MyWorkView.as_view(), name="my-work"),
]
