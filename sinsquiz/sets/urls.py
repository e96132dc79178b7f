from django.urls import path

from sinsquiz.sets import views

urlpatterns = [
    path("<int:pk>/retest/", views.retest, name="set-retest"),
]
