"""``path("notifications/", include("eyt_notify.urls"))``: the notification centre, its JSON, live stream and push."""

from __future__ import annotations

from django.urls import path

from eyt_notify.views import api, pages, push, stream

app_name = "eyt_notify"

urlpatterns = [
    path("", pages.notification_list, name="list"),
    path("<int:pk>/", pages.notification_detail, name="detail"),
    path("recent/", api.recent, name="recent"),
    path("<int:pk>/read/", api.mark_read, name="read"),
    path("mark-all-read/", api.mark_all_read, name="mark_all_read"),
    path("<int:pk>/delete/", api.delete, name="delete"),
    path("unread-count/", api.unread_count, name="unread_count"),
    path("preferences/", pages.preferences, name="preferences"),
    path("stream/", stream.stream, name="stream"),
    path("push/key/", push.public_key, name="push_key"),
    path("push/subscribe/", push.subscribe, name="push_subscribe"),
    path("push/unsubscribe/", push.unsubscribe, name="push_unsubscribe"),
    path("sw.js", push.service_worker, name="service_worker"),
]
