/* django-eyt-payments success page: while the payment waits for its webhook, ask status/ for news every few
 * seconds and show it (textContent only). Stops when the status is final, or after a few minutes. */
(function () {
  "use strict";
  var P = window.EytPayments;
  var section = document.querySelector("[data-eyt-status]");
  if (!section || !P) { return; }
  var config = P.readConfig("eyt-payments-status-config");
  var MAX_ATTEMPTS = Math.ceil(300 / Math.max(config.interval, 0.5));
  var attempts = 0;

  function show(data) {
    section.dataset.status = data.status;
    section.querySelector("[data-eyt-status-label]").textContent = data.status_label;
    var message = section.querySelector("[data-eyt-status-message]");
    message.textContent = data.message || "";
    message.hidden = !data.message;
    section.querySelector("[data-eyt-waiting]").hidden = !data.waiting;
  }

  function poll() {
    attempts += 1;
    fetch(config.statusUrl, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .catch(function () { return null; })
      .then(function (data) {
        if (data) { show(data); }
        if (data && !data.waiting) { return; }
        if (attempts < MAX_ATTEMPTS) {
          window.setTimeout(poll, config.interval * 1000);
        } else {
          section.querySelector("[data-eyt-stalled]").hidden = false;
        }
      });
  }

  if (config.waiting) { window.setTimeout(poll, config.interval * 1000); }
})();
