// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";

  // Filters: changing a select submits the form.
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
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
