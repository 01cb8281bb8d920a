from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from esports import staff, views
from eyt_audit.limits.admin_forms import LockoutAdminAuthenticationForm
from eyt_audit.limits.forms import LockoutAuthenticationForm

# Locked accounts get "locked for N minutes" instead of "wrong password", on the site and in the admin.
admin.site.login_form = LockoutAdminAuthenticationForm

urlpatterns = [
    path("", views.home, name="home"),
    path("health/", views.health, name="health"),
    path("accounts/login/", auth_views.LoginView.as_view(authentication_form=LockoutAuthenticationForm), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("staff/audit/", staff.audit, name="staff-audit"),
    path("staff/dashboard/", staff.dashboard, name="staff-dashboard"),
    path("tournaments/", include("tournaments.urls")),
    path("coaching/", include("coaching.urls")),
    path("teams/", include("teams.urls")),
    path("venues/", include("venues.urls")),
    path("payments/", include("eyt_payments.urls")),
    path("notifications/", include("eyt_notify.urls")),
    path("admin/", admin.site.urls),
]
