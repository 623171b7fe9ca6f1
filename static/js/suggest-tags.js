// Suggested category and colour on the garment edit form: fetch the suggestions endpoint and, for each field the
// owner has not set (category "other" or empty, colour empty), pre-select the suggested value with a hint beside it.
// While the photo is still being analysed, poll every few seconds for about a minute. Nothing is saved until the
// owner submits; changing a suggested field removes its hint.
(function () {
  "use strict";
  var POLL_MS = 3000;
  var MAX_POLLS = 20;
  var form = document.querySelector("[data-suggestions-url]");
  if (!form || !window.fetch) return;
  var url = form.getAttribute("data-suggestions-url");
  var unset = { category: ["", "other"], colour: [""] };
  var polls = 0;

  function apply(name, s) {
    var select = form.querySelector("select[name='" + name + "']");
    if (!s || !select || unset[name].indexOf(select.value) === -1) return;
    var exists = Array.prototype.some.call(select.options, function (o) { return o.value === s.value; });
    if (!exists) return;
    select.value = s.value;
    var hint = document.createElement("p");
    hint.className = "help suggestion-hint";
    hint.setAttribute("data-suggestion-hint", name);
    hint.setAttribute("role", "status");
    hint.textContent = "Suggested from similar products (" + Math.round(s.confidence * 100) + "%)";
    select.insertAdjacentElement("afterend", hint);
    select.addEventListener("change", function () { if (select.value !== s.value) hint.remove(); });
  }

  function poll() {
    polls += 1;
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (data) {
        if (data.state === "pending") {
          if (polls < MAX_POLLS) window.setTimeout(poll, POLL_MS);
          return;
        }
        if (data.state === "ready") {
          apply("category", data.category);
          apply("colour", data.colour);
        }
      })
      .catch(function () { /* a suggestion is optional: the form works without it */ });
  }

  poll();
})();
