// Complaint desk: the amount field follows the chosen recovery action (refund, coupon and
// compensation carry an amount; the others none). Without this script the field is always
// shown and the server says which actions take an amount.
(function () {
  "use strict";
  var select = document.querySelector("select.dk-action");
  var box = document.querySelector(".dk-amount");
  if (!select || !box) { return; }
  var input = box.querySelector("input");
  function sync() {
    var opt = select.options[select.selectedIndex];
    var needs = opt && opt.getAttribute("data-amount") === "1";
    box.hidden = !needs;
    if (input) {
      input.required = needs;
      if (!needs) { input.value = ""; }
    }
  }
  select.addEventListener("change", sync);
  sync();
})();
