// servgap phone interview mode: a one-key answer (a scale point up to 9, a Kano answer, a
// choice's number) moves the cursor to the next field, and a choice keyed by number shows
// its label. The page works without this script (type the answer, press Tab).
(function () {
  "use strict";
  function fields(form) {
    return Array.prototype.filter.call(
      form.querySelectorAll("input, select, textarea, button"),
      function (el) { return el.type !== "hidden" && !el.disabled && el.type !== "radio"; }
    );
  }
  function showLabel(input) {
    var out = input.parentNode.querySelector("output.choice-label");
    var raw = input.getAttribute("data-labels");
    if (!out || !raw) { return; }
    var labels = JSON.parse(raw);
    var n = parseInt(input.value, 10);
    out.textContent = (String(n) === input.value.trim() && n >= 1 && n <= labels.length)
      ? labels[n - 1] : "";
  }
  function init() {
    var form = document.querySelector("form.iv-form");
    if (!form) { return; }
    form.addEventListener("input", function (ev) {
      var el = ev.target;
      if (!el.classList || !el.classList.contains("key")) { return; }
      showLabel(el);
      if (el.getAttribute("data-digits") === "1" && /^\d$/.test(el.value)) {
        var all = fields(form);
        var i = all.indexOf(el);
        if (i >= 0 && i + 1 < all.length) { all[i + 1].focus(); if (all[i + 1].select) { all[i + 1].select(); } }
      }
    });
    var keys = form.querySelectorAll("input.key[data-labels]");
    for (var i = 0; i < keys.length; i++) { showLabel(keys[i]); }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
