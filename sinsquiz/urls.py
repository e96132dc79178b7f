from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path

from cases import views as case_views
from sinsquiz import views

admin.site.site_header = "SINS Quiz authoring"
admin.site.site_title = "SINS Quiz authoring"
admin.site.index_title = "Cases, images and expert readings"

urlpatterns = [
    path("", views.home, name="home"),
    path("", include("sinsquiz.training.urls")),
    path("", include("sinsquiz.progress.urls")),
    path("sets/", include("sinsquiz.sets.urls")),
    path("", include("sinsquiz.problems.urls")),
    path("media/<path:path>", case_views.media, name="media"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    # Open to a visitor whose login has lapsed: Log out then simply leads to the login, with nothing to say.
    path("logout/", login_not_required(auth_views.LogoutView.as_view()), name="logout"),
    path("password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("password/changed/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("admin/", admin.site.urls),
    path("favicon.ico", views.favicon, name="favicon"),
]
