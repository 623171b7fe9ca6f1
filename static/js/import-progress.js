// The admin's import job page: follow the job's progress with the one poller (live-state.js) and reload once it
// has ended, when the server renders the report (row numbers and reasons). Without JS the page reloads itself.
(function () {
  "use strict";
  var box = document.getElementById("import-progress");
  if (!box || !window.Closetspace) return;
  window.Closetspace.poll(box.dataset.url, function (d) {
    box.querySelector("progress").value = d.percent;
    box.querySelector(".status").textContent = d.status === "queued" ? "Waiting for a worker…"
      : d.total ? "Running: " + d.processed + " of " + d.total + " rows" : "Running: reading the upload…";
    if (d.status === "done" || d.status === "failed") { window.location.reload(); return false; }
    return true;
  }, { first: 1000, every: 1500, retryEvery: 5000 });
})();
