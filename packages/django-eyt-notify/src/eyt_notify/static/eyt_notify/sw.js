/* django-eyt-notify service worker: shows web pushes and opens their link when clicked.
 * Payload (eyt_notify.channels.webpush): {"id", "type", "title", "body", "url", "data"}. */
"use strict";

self.addEventListener("push", function (event) {
  var payload = {};
  try {
    payload = event.data ? event.data.json() : {};
  } catch (error) {
    payload = { title: event.data ? event.data.text() : "" };
  }
  event.waitUntil(
    self.registration.showNotification(payload.title || "Notification", {
      body: payload.body || "",
      tag: payload.id ? "eyt-notify-" + payload.id : undefined,
      data: { url: payload.url || "/" },
    })
  );
});

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var target = new URL(event.notification.data && event.notification.data.url || "/", self.location.origin);
  if (target.protocol !== "https:" && target.protocol !== "http:") return;
  event.waitUntil(self.clients.openWindow(target.href));
});
