// Live embedding badges on the closet: while any listed garment is pending or processing, poll the state endpoint
// every few seconds and update the badges in place; stop when none is busy. A failed garment shows its error and a
// retry button.
(function () {
  "use strict";
  var POLL_MS = 3000;
  var grid = document.querySelector("[data-live-states-url]");
  if (!grid || !window.fetch) return;
  var url = grid.getAttribute("data-live-states-url");
  var timer = null;

  function badges() { return Array.prototype.slice.call(grid.querySelectorAll("[data-garment-id]")); }
  function csrf() {
    var m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : "";
  }
  function busy(state) { return state === "pending" || state === "processing"; }

  function render(badge, s) {
    badge.className = "badge badge--" + s.state;
    badge.setAttribute("data-embedding-state", s.state);
    badge.textContent = s.label;
    badge.title = s.error || ("Style analysis: " + s.label.toLowerCase());
    var foot = badge.parentNode;
    var note = foot.parentNode.querySelector("[data-embedding-error]");
    if (note && !s.error) note.remove();
    if (s.error) {
      if (!note) {
        note = document.createElement("p");
        note.className = "card__meta card__error";
        note.setAttribute("data-embedding-error", "");
        note.setAttribute("role", "status");
        foot.parentNode.insertBefore(note, foot);
      }
      note.textContent = s.error;
    }
    var old = foot.querySelector("[data-retry]");
    if (old && !s.retry_url) old.remove();
    if (s.retry_url && !old) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "btn btn--small";
      button.textContent = "Retry";
      button.setAttribute("data-retry", s.retry_url);
      foot.appendChild(button);
    }
  }

  function poll() {
    timer = null;
    var ids = badges().map(function (b) { return b.getAttribute("data-garment-id"); });
    if (!ids.length) return;
    fetch(url + "?ids=" + ids.join(","), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (data) {
        badges().forEach(function (b) {
          var s = data.garments[b.getAttribute("data-garment-id")];
          if (s) render(b, s);
        });
        if (data.busy) schedule();
      })
      .catch(function () { schedule(POLL_MS * 3); });
  }
  function schedule(ms) { if (!timer) timer = setTimeout(poll, ms || POLL_MS); }

  grid.addEventListener("click", function (event) {
    var button = event.target.closest("[data-retry]");
    if (!button) return;
    event.preventDefault();
    button.disabled = true;
    fetch(button.getAttribute("data-retry"), { method: "POST", credentials: "same-origin", headers: { "X-CSRFToken": csrf() } })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        Object.keys(data.garment || {}).forEach(function (id) {
          var badge = grid.querySelector('[data-garment-id="' + id + '"]');
          if (badge) render(badge, data.garment[id]);
        });
        schedule();
      })
      .catch(function () { button.disabled = false; });
  });

  // One poll at load: it brings the retry buttons of failed garments, and keeps going while any is busy.
  if (badges().some(function (b) { var s = b.getAttribute("data-embedding-state"); return busy(s) || s === "failed"; })) poll();
})();
