from django.urls import path

from sinsquiz.sets import views

urlpatterns = [
    path("<int:pk>/", views.case_set, name="set"),
    path("<int:pk>/start/", views.start, name="set-start"),
    path("<int:pk>/next/", views.next_case, name="set-next"),
    path("<int:pk>/finish/", views.finish, name="set-finish"),
    path("<int:pk>/results/", views.set_results, name="set-results"),
    path("<int:pk>/results/<str:table>.csv", views.set_results_csv, name="set-results-csv"),
    path("<int:pk>/retest/", views.retest, name="set-retest"),
]
