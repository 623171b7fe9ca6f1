// Suggested category and colour on the garment edit form: fetch the suggestions endpoint and, for each field the
// owner has not set (category "other" or empty, colour empty), pre-select the suggested value with a hint beside it.
// While the photo is still being analysed, poll every few seconds for about a minute. Nothing is saved until the
// owner submits; changing a suggested field removes its hint.
(function () {
  "use strict";
  var POLL_MS = 3000;
  var MAX_POLLS = 20;
  var form = document.querySelector("[data-suggestions-url]");
  if (!form || !window.Closetspace) return;  // live-state.js, the one poller, loads first
  var url = form.getAttribute("data-suggestions-url");
  var unset = { category: ["", "other"], colour: [""] };

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

  window.Closetspace.poll(url, function (data) {
    if (data.state === "pending") return true;  // still being analysed: ask again (at most MAX_POLLS times)
    if (data.state === "ready") {
      apply("category", data.category);
      apply("colour", data.colour);
    }
    return false;
  }, { every: POLL_MS, max: MAX_POLLS, retryEvery: 0 });  // a suggestion is optional: the form works without it
})();
