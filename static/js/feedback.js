// For you / Liked: like, hide and "not my style" without a reload (fetch + CSRF); the forms still work without JS.
(function () {
  "use strict";

  function csrf(form) {
    var input = form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("form[data-feedback] button[name=kind]");
    if (!button) return;
    event.preventDefault();
    var form = button.form;
    var card = form.closest("[data-item]");
    var body = new FormData(form);
    body.set("kind", button.value);
    form.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
    fetch(form.action, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": csrf(form) }
    }).then(function (response) {
      return response.json().then(function (data) { return { ok: response.ok, data: data }; });
    }).then(function (result) {
      form.querySelectorAll("button").forEach(function (b) { b.disabled = false; });
      if (!result.ok) { window.alert(result.data.error || "That did not work; please try again."); return; }
      var kind = result.data.kind;
      if (kind === "hide" || kind === "not_my_style" || (kind === "" && form.dataset.removeOn === "clear")) {
        card.classList.add("is-leaving");
        setTimeout(function () { card.remove(); }, 250);
        return;
      }
      var like = form.querySelector(".chip--like");
      var on = kind === "like";
      card.classList.toggle("is-liked", on);
      like.classList.toggle("is-on", on);
      like.setAttribute("aria-pressed", on ? "true" : "false");
      like.value = on ? "clear" : "like";
    }).catch(function () {
      form.querySelectorAll("button").forEach(function (b) { b.disabled = false; });
      form.requestSubmit ? form.requestSubmit(button) : form.submit();
    });
  });
})();
