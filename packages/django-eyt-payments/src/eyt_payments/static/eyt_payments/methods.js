/* django-eyt-payments: save a card. With Stripe, a SetupIntent confirmed by the Payment Element; with the offline
 * simulator, the test-card form. Either way the server records the card and the page returns to the list. */
(function () {
  "use strict";
  var P = window.EytPayments;
  var form = document.querySelector("[data-eyt-add-method]");
  if (!form || !P) { return; }
  var config = P.readConfig("eyt-payments-method-config");
  var button = form.querySelector("[data-eyt-submit]");
  var stripe = null;
  var elements = null;

  function setDefault() { return form.elements.namedItem("set_default").checked; }

  function save(body) {
    body.set_default = setDefault();
    return P.postJSON(config.addUrl, body, form).then(function (saved) {
      window.location.assign(saved.next_url);
      return new Promise(function () {});
    });
  }

  function startStripe() {
    P.setBusy(button, true);
    P.postJSON(config.setupUrl, {}, form).then(function (setup) {
      if (typeof window.Stripe !== "function") { throw P.failure("stripe_unavailable", form.dataset.networkError); }
      stripe = window.Stripe(config.publishableKey);
      elements = stripe.elements({ clientSecret: setup.client_secret });
      elements.create("payment").mount(form.querySelector("[data-eyt-element]"));
      P.setBusy(button, false);
    }).catch(function (error) { P.showError(form, error.message); });
  }

  function saveWithStripe() {
    return stripe.confirmSetup({
      elements: elements,
      confirmParams: { return_url: config.returnUrl },
      redirect: "if_required"
    }).then(function (result) {
      if (result.error) {
        var known = result.error.type === "card_error" || result.error.type === "validation_error";
        throw P.failure(result.error.code || "stripe_error", known ? result.error.message : form.dataset.unexpectedError);
      }
      var method = result.setupIntent.payment_method;
      return save({ payment_method: typeof method === "string" ? method : method.id });
    });
  }

  function saveTestCard() {
    return save({
      number: form.elements.namedItem("number").value,
      expiry: form.elements.namedItem("expiry").value,
      cvc: form.elements.namedItem("cvc").value
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (button.disabled) { return; }
    P.clearErrors(form);
    P.setBusy(button, true);
    var saving = config.mode === "stripe" ? saveWithStripe() : saveTestCard();
    saving.catch(function (error) {
      P.showError(form, error.message);
      P.showFieldErrors(form, error.fields);
    }).then(function () { P.setBusy(button, false); });
  });

  if (config.mode === "stripe") { startStripe(); }
})();
