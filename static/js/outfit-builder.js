// Outfit builder: ticked garments join an ordered list that can be reordered by drag and drop or, by keyboard,
// with the up and down buttons. Without this script the ticked garments are saved in slot order.
(function () {
  "use strict";
  var form = document.querySelector("[data-outfit-builder]");
  if (!form) return;
  var list = form.querySelector("[data-chosen]");
  var empty = form.querySelector("[data-chosen-empty]");
  var order = form.querySelector("[data-order]");
  var live = document.createElement("p");
  live.className = "sr-only";
  live.setAttribute("aria-live", "polite");
  list.parentNode.insertBefore(live, list.nextSibling);

  function checkbox(id) { return form.querySelector('input[name="garment"][value="' + id + '"]'); }
  function say(text) { live.textContent = text; }

  function button(text, label, onClick) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "btn btn--small btn--ghost";
    b.textContent = text;
    b.setAttribute("aria-label", label);
    b.addEventListener("click", onClick);
    return b;
  }

  function refresh() {
    var items = list.querySelectorAll(".chosen__item");
    empty.hidden = items.length > 0;
    order.value = Array.prototype.map.call(items, function (li) { return li.dataset.id; }).join(",");
  }

  function enhance(li) {
    var name = li.querySelector(".chosen__name").textContent;
    li.draggable = true;
    var tools = document.createElement("span");
    tools.className = "chosen__tools";
    tools.appendChild(button("↑", "Move " + name + " up", function () {
      if (li.previousElementSibling) { list.insertBefore(li, li.previousElementSibling); say(name + " moved up"); refresh(); this.focus(); }
    }));
    tools.appendChild(button("↓", "Move " + name + " down", function () {
      if (li.nextElementSibling) { list.insertBefore(li.nextElementSibling, li); say(name + " moved down"); refresh(); this.focus(); }
    }));
    tools.appendChild(button("✕", "Remove " + name, function () {
      var box = checkbox(li.dataset.id);
      if (box) box.checked = false;
      li.remove(); say(name + " removed"); refresh();
    }));
    li.appendChild(tools);
    li.addEventListener("dragstart", function (e) { li.classList.add("is-dragging"); e.dataTransfer.effectAllowed = "move"; e.dataTransfer.setData("text/plain", li.dataset.id); });
    li.addEventListener("dragend", function () { li.classList.remove("is-dragging"); refresh(); });
  }

  list.addEventListener("dragover", function (e) {
    var dragging = list.querySelector(".is-dragging");
    if (!dragging) return;
    e.preventDefault();
    var after = Array.prototype.find.call(list.querySelectorAll(".chosen__item:not(.is-dragging)"), function (li) {
      var box = li.getBoundingClientRect();
      return e.clientY < box.top + box.height / 2;
    });
    list.insertBefore(dragging, after || null);
  });

  function add(box) {
    if (list.querySelector('[data-id="' + box.value + '"]')) return;
    var li = document.createElement("li");
    li.className = "chosen__item";
    li.dataset.id = box.value;
    var img = document.createElement("img");
    img.src = box.dataset.thumb; img.alt = ""; img.className = "piece__thumb";
    var span = document.createElement("span");
    span.className = "chosen__name"; span.textContent = box.dataset.label;
    li.appendChild(img); li.appendChild(span);
    enhance(li);
    list.appendChild(li);
    say(box.dataset.label + " added");
  }

  form.querySelectorAll('input[name="garment"]').forEach(function (box) {
    box.addEventListener("change", function () {
      if (box.checked) { add(box); } else {
        var li = list.querySelector('[data-id="' + box.value + '"]');
        if (li) { li.remove(); say(box.dataset.label + " removed"); }
      }
      refresh();
    });
  });
  list.querySelectorAll(".chosen__item").forEach(enhance);
  refresh();

  // Filters narrow the picker in place, so ticked garments are never lost.
  var filters = form.querySelectorAll("[data-filter]");
  function applyFilters() {
    var q = form.querySelector('[data-filter="q"]').value.trim().toLowerCase();
    var colour = form.querySelector('[data-filter="colour"]').value;
    var season = form.querySelector('[data-filter="season"]').value;
    form.querySelectorAll(".picker__item").forEach(function (item) {
      var ok = (!q || item.dataset.name.indexOf(q) !== -1) && (!colour || item.dataset.colour === colour) &&
        (!season || item.dataset.season === season || item.dataset.season === "all-season");
      item.hidden = !ok;
    });
  }
  filters.forEach(function (f) {
    f.addEventListener("input", applyFilters);
    f.addEventListener("change", applyFilters);
    f.addEventListener("keydown", function (e) { if (e.key === "Enter") e.preventDefault(); });  // not "save"
  });
  form.querySelector("[data-picker-filters]").hidden = false;
  form.addEventListener("submit", refresh);
})();
