/* django-eyt-notify: web push opt-in on the preferences page.
 * <div data-eyt-push data-key-url data-subscribe-url data-unsubscribe-url data-worker-url data-csrf-token> with
 * [data-eyt-push-enable], [data-eyt-push-disable] buttons and a [data-eyt-push-status] element. */
(function () {
  "use strict";

  function base64UrlToBytes(value) {
    var padded = (value + "===".slice((value.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    var raw = atob(padded);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    return bytes;
  }

  function start(root) {
    var data = root.dataset;
    var status = root.querySelector("[data-eyt-push-status]");
    var enable = root.querySelector("[data-eyt-push-enable]");
    var disable = root.querySelector("[data-eyt-push-disable]");
    function say(text) { status.textContent = text; }
    function send(url, body) {
      return fetch(url, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": data.csrfToken },
        body: JSON.stringify(body),
      }).then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      });
    }
    if (!("serviceWorker" in navigator) || !("PushManager" in window)) {
      say(data.textUnsupported);
      enable.disabled = true;
      disable.disabled = true;
      return;
    }
    var registration = navigator.serviceWorker.register(data.workerUrl);
    registration.then(function (reg) { return reg.pushManager.getSubscription(); }).then(function (subscription) {
      say(subscription ? data.textOn : data.textOff);
    }).catch(function () { say(data.textError); });

    enable.addEventListener("click", function () {
      Promise.all([registration, fetch(data.keyUrl, { credentials: "same-origin" }).then(function (r) { return r.json(); })])
        .then(function (results) {
          return results[0].pushManager.subscribe({
            userVisibleOnly: true,
            applicationServerKey: base64UrlToBytes(results[1].public_key),
          });
        })
        .then(function (subscription) { return send(data.subscribeUrl, subscription.toJSON()); })
        .then(function () { say(data.textOn); })
        .catch(function () { say(data.textError); });
    });
    disable.addEventListener("click", function () {
      registration
        .then(function (reg) { return reg.pushManager.getSubscription(); })
        .then(function (subscription) {
          if (!subscription) return null;
          return send(data.unsubscribeUrl, { endpoint: subscription.endpoint }).then(function () {
            return subscription.unsubscribe();
          });
        })
        .then(function () { say(data.textOff); })
        .catch(function () { say(data.textError); });
    });
  }

  function init() { document.querySelectorAll("[data-eyt-push]").forEach(start); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
