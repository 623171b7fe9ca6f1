// The import job's admin page: poll the job's progress JSON while it runs, then reload for the server-rendered report.
(function () {
  var box = document.getElementById("import-progress");
  if (!box || (box.dataset.status !== "queued" && box.dataset.status !== "running")) { return; }
  function tick() {
    fetch(box.dataset.url, {credentials: "same-origin"}).then(function (r) { return r.json(); }).then(function (d) {
      box.querySelector("progress").value = d.percent;
      box.querySelector(".status").textContent = d.status === "queued" ? "Waiting for a worker…"
        : d.total ? "Running: " + d.processed + " of " + d.total + " rows" : "Running: reading the upload…";
      // The finished page renders the report (row numbers and reasons) on the server.
      if (d.status === "done" || d.status === "failed") { window.location.reload(); return; }
      setTimeout(tick, 1500);
    }).catch(function () { setTimeout(tick, 5000); });
  }
  setTimeout(tick, 1000);
})();
