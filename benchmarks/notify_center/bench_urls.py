from django.urls import include, path

urlpatterns = [
    path("notifications/", include("eyt_notify.urls")),
    path("inbox/notifications/", include("notifications.urls", namespace="notifications")),
]
