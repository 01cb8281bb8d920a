from django.contrib import admin
from django.urls import path

from tests import views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("whoami/", views.whoami),
    path("audited/", views.audited),
    path("async-whoami/", views.async_whoami),
    path("coupon-abuse/", views.coupon_abuse),
    path("forbidden/", views.forbidden),
    path("forbidden-response/", views.forbidden_response),
    path("async-forbidden/", views.async_forbidden),
    path("csrf-protected/", views.csrf_protected),
]
