from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import path

from cases import views as case_views
from sinsquiz import views

admin.site.site_header = "SINS Quiz authoring"
admin.site.site_title = "SINS Quiz authoring"
admin.site.index_title = "Cases, images and expert readings"

urlpatterns = [
    path("", views.home, name="home"),
    path("calculator/", views.calculator, name="calculator"),
    path("cases/", views.case_list, name="case-list"),
    path("cases/<slug:slug>/", views.case_page, name="case"),
    path("attempts/<int:pk>/", views.attempt_detail, name="attempt"),
    path("attempts/<int:pk>/save/", views.attempt_save, name="attempt-save"),
    path("attempts/<int:pk>/commit/", views.attempt_commit, name="attempt-commit"),
    path("practice/next/", views.next_case, name="next-case"),
    path("progress/", views.my_progress, name="progress"),
    path("progress/<int:user_id>/", views.trainee_progress, name="trainee-progress"),
    path("cohorts/", views.cohort_list, name="cohorts"),
    path("cohorts/<int:pk>/", views.cohort_detail, name="cohort"),
    path("cohorts/<int:pk>/attempts.csv", views.cohort_attempts_csv, name="cohort-attempts-csv"),
    path("cohorts/<int:pk>/<str:table>.csv", views.cohort_summary_csv, name="cohort-summary-csv"),
    path("media/<path:path>", case_views.media, name="media"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("favicon.ico", views.favicon, name="favicon"),
]

if settings.BENCHMARK_VIEW:
    urlpatterns.append(path("_bench/bare/", views.bare, name="bench-bare"))
