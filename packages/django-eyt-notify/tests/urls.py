from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import TemplateView

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/login/", auth_views.LoginView.as_view(template_name="testapp/login.html"), name="login"),
    path("notifications/", include("eyt_notify.urls")),
    path("", TemplateView.as_view(template_name="testapp/home.html"), name="home"),
]
