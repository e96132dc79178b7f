from django.urls import path

from sinsquiz.training import views

urlpatterns = [
    path("calculator/", views.calculator, name="calculator"),
    path("cases/", views.case_list, name="case-list"),
    path("cases/<slug:slug>/", views.case_page, name="case"),
    path("attempts/<int:pk>/", views.feedback, name="attempt"),
    path("attempts/<int:pk>/save/", views.autosave, name="attempt-save"),
    path("attempts/<int:pk>/commit/", views.commit, name="attempt-commit"),
    path("practice/next/", views.practise_next, name="next-case"),
]
