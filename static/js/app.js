// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";

  document.documentElement.classList.replace("no-js", "js");

  // Phones: the navigation folds into a menu behind the Menu button (CSS shows the button under 720 px).
  var toggle = document.querySelector(".nav__toggle");
  if (toggle) {
    var nav = toggle.closest(".nav");
    var setOpen = function (open) {
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
      nav.classList.toggle("is-open", open);
    };
    toggle.addEventListener("click", function () { setOpen(toggle.getAttribute("aria-expanded") !== "true"); });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && nav.classList.contains("is-open")) { setOpen(false); toggle.focus(); }
    });
  }

  // Filters: changing a select submits the form.
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });

  // Bulk edit: say how many garments are ticked; the form works without this (the server checks the selection).
  var bulk = document.getElementById("bulk-form");
  if (bulk) {
    var count = bulk.querySelector("[data-bulk-count]");
    var boxes = document.querySelectorAll("input[name=ids][form=bulk-form]");
    var update = function () {
      var n = Array.prototype.filter.call(boxes, function (b) { return b.checked; }).length;
      count.textContent = n ? n + " selected" : "Tick garments to edit several at once";
      bulk.classList.toggle("is-active", n > 0);
    };
    Array.prototype.forEach.call(boxes, function (b) { b.addEventListener("change", update); });
    update();
  }

  // Long imports: show that the upload is being worked on, and stop a second submit.
  document.querySelectorAll("form[data-busy-form]").forEach(function (f) {
    f.addEventListener("submit", function () {
      var button = f.querySelector("[data-busy-label]");
      var note = f.querySelector("[data-busy-note]");
      if (button) { button.disabled = true; button.textContent = button.getAttribute("data-busy-label"); }
      if (note) { note.hidden = false; }
      f.setAttribute("aria-busy", "true");
    });
  });

  // Upload: previews of the chosen photos, and drag-over highlight.
  var form = document.querySelector("[data-upload-form]");
  if (form) {
    var input = form.querySelector("input[type=file]");
    var zone = form.querySelector(".dropzone");
    var list = form.querySelector("[data-previews]");
    var title = form.querySelector(".dropzone__title");
    input.addEventListener("change", function () {
      list.innerHTML = "";
      Array.prototype.forEach.call(input.files, function (file) {
        var li = document.createElement("li");
        if (/^image\/(jpeg|png|webp|gif)$/.test(file.type)) {
          var img = document.createElement("img");
          img.alt = file.name;
          img.src = URL.createObjectURL(file);
          img.onload = function () { URL.revokeObjectURL(img.src); };
          li.appendChild(img);
        } else {
          li.textContent = file.name;
        }
        list.appendChild(li);
      });
      var n = input.files.length;
      title.textContent = n ? n + " photo" + (n === 1 ? "" : "s") + " selected" : "Choose photos or drop them here";
    });
    // Busy state: the upload is embedded in the request (find-similar always, uploads in the embedded default), and
    // a process's first one waits for the models, so say so instead of leaving a page that looks stuck.
    form.addEventListener("submit", function () {
      if (form.getAttribute("aria-busy") === "true") return;
      form.setAttribute("aria-busy", "true");
      var button = form.querySelector("button[type=submit]");
      if (button) { button.disabled = true; button.classList.add("is-busy"); }
      var status = form.querySelector("[data-busy-status]");
      if (status) { status.hidden = false; status.textContent = form.dataset.busyText || "Working..."; }
    });
    window.addEventListener("pageshow", function (event) {
      // Back from the next page (bfcache): the form is idle again.
      if (!event.persisted) return;
      form.removeAttribute("aria-busy");
      var button = form.querySelector("button[type=submit]");
      if (button) { button.disabled = false; button.classList.remove("is-busy"); }
      var status = form.querySelector("[data-busy-status]");
      if (status) { status.hidden = true; }
    });
    ["dragenter", "dragover"].forEach(function (t) { zone.addEventListener(t, function () { zone.classList.add("is-dragover"); }); });
    ["dragleave", "drop"].forEach(function (t) { zone.addEventListener(t, function () { zone.classList.remove("is-dragover"); }); });
  }
})();
