// servgap respondent pages: a live total for importance points. The page works without
// this script; the server checks the total (it must be 100) either way.
(function () {
  "use strict";
  function update(fieldset) {
    var inputs = fieldset.querySelectorAll("input[type=number]");
    var total = 0;
    var any = false;
    for (var i = 0; i < inputs.length; i++) {
      var v = parseFloat(inputs[i].value);
      if (!isNaN(v)) { total += v; any = true; }
    }
    var out = fieldset.querySelector("output.sum");
    if (out) { out.textContent = any ? String(Math.round(total * 10) / 10) : "—"; }
    var target = parseFloat(fieldset.getAttribute("data-total") || "100");
    fieldset.classList.toggle("total-ok", any && Math.abs(total - target) < 0.5);
    fieldset.classList.toggle("total-off", any && Math.abs(total - target) >= 0.5);
  }
  function init() {
    var sets = document.querySelectorAll("fieldset.importance");
    for (var i = 0; i < sets.length; i++) {
      (function (fs) {
        fs.addEventListener("input", function () { update(fs); });
        update(fs);
      })(sets[i]);
    }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
