from django.urls import path

from sinsquiz.problems import views

urlpatterns = [
    path("attempts/<int:pk>/report/", views.report, name="problem-report"),
    path("problems/<int:pk>/", views.problem, name="problem"),
]
