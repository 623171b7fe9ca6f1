// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";

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
    ["dragenter", "dragover"].forEach(function (t) { zone.addEventListener(t, function () { zone.classList.add("is-dragover"); }); });
    ["dragleave", "drop"].forEach(function (t) { zone.addEventListener(t, function () { zone.classList.remove("is-dragover"); }); });
  }
})();
