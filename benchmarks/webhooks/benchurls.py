from django.urls import include, path

urlpatterns = [path("payments/", include("eyt_payments.urls"))]
