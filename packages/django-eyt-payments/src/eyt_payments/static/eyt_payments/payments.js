/* django-eyt-payments: helpers shared by the page scripts (window.EytPayments).
 * Server data only ever reaches the page through textContent, never innerHTML. */
(function () {
  "use strict";

  function readConfig(id) {
    var element = document.getElementById(id);
    return element ? JSON.parse(element.textContent) : null;
  }

  function failure(code, message, fields) {
    var error = new Error(message);
    error.code = code;
    error.fields = fields || {};
    return error;
  }

  /* POST a JSON body; resolves with the JSON answer, rejects with an Error carrying the server's safe
   * {code, message, fields} (or the form's data-network-error text when the network failed). */
  function postJSON(url, body, form) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        "Accept": "application/json",
        "X-CSRFToken": form.dataset.csrfToken
      },
      body: JSON.stringify(body)
    }).then(function (response) {
      return response.json().catch(function () { return null; }).then(function (data) {
        if (response.ok && data) { return data; }
        var error = data && data.error;
        if (error && error.message) { throw failure(error.code, error.message, error.fields); }
        throw failure("unexpected", form.dataset.unexpectedError);
      });
    }, function () {
      throw failure("network_error", form.dataset.networkError);
    });
  }

  function showError(form, message) {
    var box = form.querySelector("[data-eyt-error]");
    box.textContent = message || form.dataset.unexpectedError;
    box.hidden = false;
  }

  function clearErrors(form) {
    var box = form.querySelector("[data-eyt-error]");
    box.textContent = "";
    box.hidden = true;
    form.querySelectorAll("[data-eyt-field-error]").forEach(function (element) {
      element.textContent = "";
      element.hidden = true;
    });
    form.querySelectorAll("[aria-invalid]").forEach(function (input) { input.removeAttribute("aria-invalid"); });
  }

  /* Field errors next to their inputs; focus moves to the first invalid field. */
  function showFieldErrors(form, fields) {
    var first = null;
    Object.keys(fields || {}).forEach(function (name) {
      var element = form.querySelector('[data-eyt-field-error="' + name + '"]');
      var input = form.elements.namedItem(name);
      if (!element || !input) { return; }
      element.textContent = [].concat(fields[name]).join(" ");
      element.hidden = false;
      input.setAttribute("aria-invalid", "true");
      first = first || input;
    });
    if (first) { first.focus(); }
  }

  function setBusy(button, busy) {
    button.disabled = busy;
    button.setAttribute("aria-busy", busy ? "true" : "false");
  }

  /* Plain forms marked data-eyt-once submit once: a second click while the first is on its way does nothing. */
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-eyt-once]")) { return; }
    if (form.dataset.submitting) { event.preventDefault(); return; }
    form.dataset.submitting = "true";
    window.setTimeout(function () {
      form.querySelectorAll("button[type=submit]").forEach(function (button) { setBusy(button, true); });
    }, 0);
  });

  window.EytPayments = {
    readConfig: readConfig,
    postJSON: postJSON,
    showError: showError,
    clearErrors: clearErrors,
    showFieldErrors: showFieldErrors,
    setBusy: setBusy,
    failure: failure
  };
})();
