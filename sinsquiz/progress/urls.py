from django.urls import path

from sinsquiz.progress import views

urlpatterns = [
    path("progress/", views.dashboard, name="progress"),
    path("progress/<int:user_id>/", views.trainee_dashboard, name="trainee-progress"),
    path("cohorts/", views.cohort_list, name="cohorts"),
    path("cohorts/<int:pk>/", views.cohort, name="cohort"),
    path("cohorts/<int:pk>/attempts.csv", views.cohort_attempts_csv, name="cohort-attempts-csv"),
    path("cohorts/<int:pk>/<str:table>.csv", views.cohort_summary_csv, name="cohort-summary-csv"),
]
