/* django-eyt-payments checkout: creates (or finds) the payment on the server, then pays it with Stripe's Payment
 * Element, or, with the offline simulator, with the test-card form. The button stays disabled while a payment is
 * on its way, and the server refuses a second confirmation, so a double click never charges twice. */
(function () {
  "use strict";
  var P = window.EytPayments;
  var form = document.querySelector("[data-eyt-checkout]");
  if (!form || !P) { return; }
  var config = P.readConfig("eyt-payments-checkout-config");
  var button = form.querySelector("[data-eyt-submit]");
  var payment = null;
  var stripe = null;
  var elements = null;

  function go(url) { window.location.assign(url); }

  function withBack(url) {
    var back = window.location.pathname + window.location.search;
    return url + (url.indexOf("?") === -1 ? "?" : "&") + "back=" + encodeURIComponent(back);
  }

  function mountPaymentElement() {
    stripe = window.Stripe(config.publishableKey);
    elements = stripe.elements({ clientSecret: payment.client_secret });
    elements.create("payment").mount(form.querySelector("[data-eyt-element]"));
  }

  function start() {
    P.setBusy(button, true);
    P.postJSON(config.createIntentUrl, { type: config.type, ref: config.ref }, form).then(function (data) {
      payment = data;
      var cancel = form.querySelector("[data-eyt-cancel]");
      if (cancel) { cancel.href = cancel.pathname + "?payment=" + encodeURIComponent(data.payment_id); }
      if (data.next_url) { go(withBack(data.next_url)); return; }
      if (config.mode === "stripe") {
        if (typeof window.Stripe !== "function") { throw P.failure("stripe_unavailable", form.dataset.networkError); }
        mountPaymentElement();
      }
      P.setBusy(button, false);
    }).catch(function (error) {
      P.showError(form, error.message);
    });
  }

  /* Stripe.js confirms, runs 3D Secure itself and redirects to the success page; it resolves only with an error. */
  function payWithStripe() {
    return stripe.confirmPayment({
      elements: elements,
      confirmParams: { return_url: payment.success_url }
    }).then(function (result) {
      if (result && result.error) {
        var known = result.error.type === "card_error" || result.error.type === "validation_error";
        throw P.failure(result.error.code || "stripe_error", known ? result.error.message : form.dataset.unexpectedError);
      }
    });
  }

  function payWithTestCard() {
    var card = {
      number: form.elements.namedItem("number").value,
      expiry: form.elements.namedItem("expiry").value,
      cvc: form.elements.namedItem("cvc").value
    };
    return P.postJSON(payment.test_card_url, card, form).then(function (outcome) {
      go(outcome.status === "requires_action" ? withBack(outcome.next_url) : outcome.next_url);
      return new Promise(function () {}); /* stay busy while the browser leaves */
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (!payment || button.disabled) { return; }
    P.clearErrors(form);
    P.setBusy(button, true);
    var paying = config.mode === "stripe" ? payWithStripe() : payWithTestCard();
    paying.catch(function (error) {
      P.showError(form, error.message);
      P.showFieldErrors(form, error.fields);
    }).then(function () {
      P.setBusy(button, false);
    });
  });

  start();
})();
