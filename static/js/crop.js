/* Crop to search: drag a frame on a photo; the frame is written to the form's x, y, w, h fields as fractions of the
   photo (ml.images.Box), so it means the same region of the stored photo whatever size the preview is.
   [data-crop] holds the <img data-crop-image> and the frame <div data-crop-frame>; the fields are [data-crop-x] ...
   in the same form. Keyboard: focus the frame, arrows move it, Shift + arrows resize it, Escape clears it.
   On Find similar ([data-crop-upload]) the chosen file is shown in the tool first. Without JS the fields stay
   empty (or are typed in) and the whole photo is searched. */
(function () {
  "use strict";
  var MIN = 0.04, STEP = 0.02;

  function clamp(v, lo, hi) { return Math.max(lo, Math.min(hi, v)); }

  function setup(root) {
    var form = root.closest("form");
    var img = root.querySelector("[data-crop-image]");
    var frame = root.querySelector("[data-crop-frame]");
    if (!form || !img || !frame) return;
    var fields = {};
    ["x", "y", "w", "h"].forEach(function (k) { fields[k] = form.querySelector("[data-crop-" + k + "]"); });
    var box = null;

    function read() {
      var v = ["x", "y", "w", "h"].map(function (k) { return parseFloat(fields[k] && fields[k].value); });
      return v.every(function (n) { return isFinite(n); }) ? { x: v[0], y: v[1], w: v[2], h: v[3] } : null;
    }

    function show() {
      if (!box) {
        frame.hidden = false;  // stays focusable so the keyboard can start a frame
        frame.classList.add("is-empty");
        frame.style.left = "0"; frame.style.top = "0"; frame.style.width = "100%"; frame.style.height = "100%";
        frame.setAttribute("aria-valuetext", "whole photo");
        return;
      }
      frame.hidden = false;
      frame.classList.remove("is-empty");
      frame.style.left = (box.x * 100) + "%"; frame.style.top = (box.y * 100) + "%";
      frame.style.width = (box.w * 100) + "%"; frame.style.height = (box.h * 100) + "%";
      frame.setAttribute("aria-valuetext", "frame from " + Math.round(box.x * 100) + "% across, " + Math.round(box.y * 100)
        + "% down, " + Math.round(box.w * 100) + "% wide, " + Math.round(box.h * 100) + "% high");
    }

    function write() {
      ["x", "y", "w", "h"].forEach(function (k) {
        if (fields[k]) fields[k].value = box ? box[k].toFixed(4) : "";
      });
      show();
    }

    function fix(b) {
      var w = clamp(b.w, MIN, 1), h = clamp(b.h, MIN, 1);
      return { x: clamp(b.x, 0, 1 - w), y: clamp(b.y, 0, 1 - h), w: w, h: h };
    }

    function point(ev) {
      var r = img.getBoundingClientRect();
      return { x: clamp((ev.clientX - r.left) / r.width, 0, 1), y: clamp((ev.clientY - r.top) / r.height, 0, 1) };
    }

    var start = null, moving = null;
    root.addEventListener("pointerdown", function (ev) {
      if (ev.button !== 0 || !img.src) return;
      ev.preventDefault();
      var p = point(ev);
      if (box && ev.target === frame && !frame.classList.contains("is-empty")) {
        moving = { px: p.x, py: p.y, box: box };
      } else {
        start = p;
      }
      root.setPointerCapture(ev.pointerId);
    });
    root.addEventListener("pointermove", function (ev) {
      if (!start && !moving) return;
      var p = point(ev);
      if (moving) {
        box = fix({ x: moving.box.x + p.x - moving.px, y: moving.box.y + p.y - moving.py, w: moving.box.w, h: moving.box.h });
      } else {
        box = { x: Math.min(start.x, p.x), y: Math.min(start.y, p.y), w: Math.abs(p.x - start.x), h: Math.abs(p.y - start.y) };
      }
      show();
    });
    root.addEventListener("pointerup", function () {
      if (!start && !moving) return;
      if (box && (box.w < MIN || box.h < MIN)) box = null;  // a click, not a drag
      else if (box) box = fix(box);
      start = moving = null;
      write();
    });
    frame.addEventListener("keydown", function (ev) {
      var keys = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
      if (ev.key === "Escape") { box = null; write(); ev.preventDefault(); return; }
      var d = keys[ev.key];
      if (!d) return;
      ev.preventDefault();
      var b = box || { x: 0.25, y: 0.25, w: 0.5, h: 0.5 };
      if (!box) { box = b; write(); return; }  // the first key press starts a centred frame
      box = ev.shiftKey ? fix({ x: b.x, y: b.y, w: b.w + d[0] * STEP, h: b.h + d[1] * STEP })
                        : fix({ x: b.x + d[0] * STEP, y: b.y + d[1] * STEP, w: b.w, h: b.h });
      write();
    });
    var reset = root.querySelector("[data-crop-reset]") || form.querySelector("[data-crop-reset]");
    if (reset) reset.addEventListener("click", function () { box = null; write(); });
    ["x", "y", "w", "h"].forEach(function (k) {
      if (fields[k] && fields[k].type !== "hidden") fields[k].addEventListener("change", function () { box = read(); show(); });
    });

    if (root.hasAttribute("data-crop-upload")) {
      var input = form.querySelector("input[type=file]");
      var panel = root.closest("[data-crop-panel]") || root;  // the tool with its help and reset button
      if (input) input.addEventListener("change", function () {
        var file = input.files && input.files[0];
        box = null; write();
        if (!file || !/^image\/(jpeg|png|webp)$/.test(file.type)) { panel.hidden = true; return; }
        img.src = URL.createObjectURL(file);
        panel.hidden = false;
      });
    }
    box = read();
    show();
    root.setAttribute("data-crop-ready", "");  // handlers attached (browser tests wait for it)
  }

  document.querySelectorAll("[data-crop]").forEach(setup);
})();
