// Suggested category and colour on the garment edit form. Tags the embedding job already applied are marked
// "Suggested" by the page itself, and its unsure guesses come as "Looks like: X? Use it" offers; this script makes
// the offers' buttons work (without it their text still says what to pick). While the photo is still being
// analysed, it polls the suggestions endpoint every few seconds for about a minute and treats each field the owner
// has not set (category "other" or empty, colour empty) the same way the job does: a confident vote (at least
// data-apply-at) is pre-selected with a hint beside it, an unsure one is only offered. Nothing is saved until the
// owner submits; changing a pre-selected field removes its hint.
(function () {
  "use strict";
  var POLL_MS = 3000;
  var MAX_POLLS = 20;
  var form = document.querySelector("form[data-garment-form]");
  if (!form) return;
  var unset = { category: ["", "other"], colour: [""] };

  function select(name) { return form.querySelector("select[name='" + name + "']"); }

  function wireOffer(button) {
    var field = select(button.getAttribute("data-use-offer"));
    if (!field) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      field.value = button.getAttribute("data-value");
      var offer = button.closest("[data-tag-offer]");
      if (offer) offer.remove();
      field.focus();
    });
  }

  function offer(name, s, field) {
    var p = document.createElement("p");
    p.className = "help tag-offer";
    p.setAttribute("data-tag-offer", name);
    p.setAttribute("role", "status");
    p.appendChild(document.createTextNode("Looks like: "));
    var strong = document.createElement("strong");
    strong.textContent = s.label;
    p.appendChild(strong);
    p.appendChild(document.createTextNode("? "));
    var button = document.createElement("button");
    button.type = "button";
    button.className = "btn btn--small";
    button.setAttribute("data-use-offer", name);
    button.setAttribute("data-value", s.value);
    button.textContent = "Use it";
    p.appendChild(button);
    field.insertAdjacentElement("afterend", p);
    wireOffer(button);
  }

  function apply(name, s, applyAt) {
    var field = select(name);
    if (!s || !field || unset[name].indexOf(field.value) === -1) return;
    if (form.querySelector("[data-tag-offer='" + name + "']")) return;  // the page already offers it
    var exists = Array.prototype.some.call(field.options, function (o) { return o.value === s.value; });
    if (!exists) return;
    if (s.confidence < applyAt) { offer(name, s, field); return; }
    field.value = s.value;
    var hint = document.createElement("p");
    hint.className = "help suggestion-hint";
    hint.setAttribute("data-suggestion-hint", name);
    hint.setAttribute("role", "status");
    hint.textContent = "Suggested from similar products (" + Math.round(s.confidence * 100) + "%)";
    field.insertAdjacentElement("afterend", hint);
    field.addEventListener("change", function () { if (field.value !== s.value) hint.remove(); });
  }

  Array.prototype.forEach.call(form.querySelectorAll("[data-use-offer]"), wireOffer);

  var url = form.getAttribute("data-suggestions-url");
  if (!url || !window.Closetspace) return;  // live-state.js, the one poller, loads first
  var applyAt = parseFloat(form.getAttribute("data-apply-at")) || 0;
  window.Closetspace.poll(url, function (data) {
    if (data.state === "pending") return true;  // still being analysed: ask again (at most MAX_POLLS times)
    if (data.state === "ready") {
      apply("category", data.category, applyAt);
      apply("colour", data.colour, applyAt);
    }
    return false;
  }, { every: POLL_MS, max: MAX_POLLS, retryEvery: 0 });  // a suggestion is optional: the form works without it
})();
