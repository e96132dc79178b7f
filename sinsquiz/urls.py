from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import path

from sinsquiz import views

admin.site.site_header = "SINS Quiz authoring"
admin.site.site_title = "SINS Quiz authoring"
admin.site.index_title = "Cases, images and expert readings"

urlpatterns = [
    path("", views.home, name="home"),
    path("calculator/", views.calculator, name="calculator"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
]
