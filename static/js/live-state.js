// The one live-state poller. Closetspace.poll(url, onData, options) fetches `url` as JSON, hands the answer to
// onData and asks again while onData returns true: after `every` ms, growing by `backoff` up to `maxEvery`, at most
// `max` requests; a failed request is tried again after `retryEvery` ms (0: not at all). The pages that follow a background job use
// it: the closet's embedding badges and For you's "still being analysed" notice (both below), the garment form's
// suggestions (suggest-tags.js) and the admin's import progress (import-progress.js).
(function () {
  "use strict";
  if (!window.fetch) return;
  var Closetspace = window.Closetspace = window.Closetspace || {};

  Closetspace.poll = function (url, onData, options) {
    var o = Object.assign({ first: 0, every: 3000, backoff: 1, maxEvery: 15000, retryEvery: 9000, max: Infinity }, options || {});
    var requests = 0;
    var delay = o.every;
    function later(ms) { if (requests < o.max) window.setTimeout(tick, ms); }
    function tick() {
      requests += 1;
      fetch(typeof url === "function" ? url() : url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
        .then(function (data) {
          if (!onData(data)) return;
          later(delay);
          delay = Math.min(delay * o.backoff, o.maxEvery);
        })
        .catch(function () { if (o.retryEvery) later(o.retryEvery); });
    }
    window.setTimeout(tick, o.first);
  };

  function csrf() {
    var m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : "";
  }
  function busy(state) { return state === "pending" || state === "processing"; }

  // For you: while new garments are being analysed, reload once none is busy (the list then includes them).
  var waiting = document.querySelector("[data-waiting]");
  if (waiting && waiting.dataset.ids) {
    Closetspace.poll(waiting.dataset.statesUrl + "?ids=" + encodeURIComponent(waiting.dataset.ids), function (data) {
      if (data.busy) return true;
      window.location.reload();
      return false;
    }, { first: 2000, every: 3000, backoff: 1.5, retryEvery: 15000 });
  }

  // The closet: embedding badges follow the database in place while any garment is busy; a failed garment shows
  // its error and a retry button.
  var grid = document.querySelector("[data-live-states-url]");
  if (!grid) return;
  var url = grid.getAttribute("data-live-states-url");
  var following = false;

  function badges() { return Array.prototype.slice.call(grid.querySelectorAll("[data-garment-id]")); }

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

  function follow(first) {
    if (following || !badges().length) return;
    following = true;
    Closetspace.poll(function () {
      return url + "?ids=" + badges().map(function (b) { return b.getAttribute("data-garment-id"); }).join(",");
    }, function (data) {
      badges().forEach(function (b) {
        var s = data.garments[b.getAttribute("data-garment-id")];
        if (s) render(b, s);
      });
      following = data.busy;
      return data.busy;
    }, { first: first });
  }

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
        follow(3000);
      })
      .catch(function () { button.disabled = false; });
  });

  // One poll at load: it brings the retry buttons of failed garments, and keeps going while any is busy.
  if (badges().some(function (b) { var s = b.getAttribute("data-embedding-state"); return busy(s) || s === "failed"; })) follow(0);
})();
