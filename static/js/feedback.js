// For you / Liked: like, hide and "not my style" without a reload (fetch + CSRF); the forms still work without JS.
(function () {
  "use strict";

  function csrf(form) {
    var input = form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function nextCard(card) {
    var cards = Array.prototype.filter.call(document.querySelectorAll("[data-item]"), function (c) {
      return c !== card && !c.classList.contains("is-leaving");
    });
    var all = Array.prototype.slice.call(document.querySelectorAll("[data-item]"));
    var at = all.indexOf(card);
    var after = cards.filter(function (c) { return all.indexOf(c) > at; });
    return after.length ? after[0] : cards[cards.length - 1] || null;
  }

  function focusCard(card) {
    // The card's first control: its Like button on For you and Liked, else its first link.
    var target = card.querySelector("button[name=kind], a[href]:not([tabindex='-1'])");
    if (target) { target.focus(); }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("form[data-feedback] button[name=kind]");
    if (!button) return;
    event.preventDefault();
    var form = button.form;
    if (form.getAttribute("aria-busy") === "true") return;
    var card = form.closest("[data-item]");
    var body = new FormData(form);
    body.set("kind", button.value);
    // Busy, not disabled: a disabled button loses keyboard focus to the page body, and the person with it.
    var setBusy = function (busy) {
      form.setAttribute("aria-busy", busy ? "true" : "false");
      form.querySelectorAll("button").forEach(function (b) { b.setAttribute("aria-disabled", busy ? "true" : "false"); });
    };
    setBusy(true);
    fetch(form.action, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": csrf(form) }
    }).then(function (response) {
      return response.json().then(function (data) { return { ok: response.ok, data: data }; });
    }).then(function (result) {
      setBusy(false);
      if (!result.ok) { window.alert(result.data.error || "That did not work; please try again."); button.focus(); return; }
      var kind = result.data.kind;
      if (kind === "hide" || kind === "not_my_style" || (kind === "" && form.dataset.removeOn === "clear")) {
        // The card leaves: focus moves to the card that takes its place (else the one before), never to the body.
        var next = nextCard(card);
        card.classList.add("is-leaving");
        setTimeout(function () { card.remove(); }, 250);
        if (next) { focusCard(next); } else if (document.getElementById("main")) { document.getElementById("main").focus(); }
        return;
      }
      var like = form.querySelector(".chip--like");
      var on = kind === "like";
      card.classList.toggle("is-liked", on);
      like.classList.toggle("is-on", on);
      like.setAttribute("aria-pressed", on ? "true" : "false");
      like.value = on ? "clear" : "like";
    }).catch(function () {
      setBusy(false);
      form.requestSubmit ? form.requestSubmit(button) : form.submit();
    });
  });
})();
