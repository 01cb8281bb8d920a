from django.http import HttpResponse
from django.urls import include, path

from eyt_notify.views import api


def constant_count(request):
    """The ceiling of any Django view here: same server, settings and middleware; no session, cache or query."""
    return HttpResponse(b'{"unread_count": 1}', content_type="application/json")


urlpatterns = [
    path("notifications/", include("eyt_notify.urls")),
    path("inbox/notifications/", include("notifications.urls", namespace="notifications")),
    path("ceiling/", constant_count),
    # The same view, at a path UnreadCountFastPath does not take: what it costs without the fast path.
    path("bench/eyt-view/unread-count/", api.unread_count),
]
