from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.templatetags.static import static
from django.urls import path
from django.views.generic import RedirectView

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
    path("media/<path:path>", case_views.media, name="media"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    # Browsers ask for /favicon.ico on pages that do not name an icon (the admin's).
    path("favicon.ico", login_not_required(RedirectView.as_view(url=static("sinsquiz/icon.svg"))), name="favicon"),
]
