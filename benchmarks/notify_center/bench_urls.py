from django.http import HttpResponse
from django.urls import include, path


def constant_count(request):
    """The ceiling of any Django view here: same server, settings and middleware; no session, cache or query."""
    return HttpResponse(b'{"unread_count": 1}', content_type="application/json")


urlpatterns = [
    path("notifications/", include("eyt_notify.urls")),
    path("inbox/notifications/", include("notifications.urls", namespace="notifications")),
    path("ceiling/", constant_count),
]
