/* servgap expectation dashboard: the segment-value list shows the values of the chosen
   segment column only; choosing a region narrows the site list. No inline script (CSP). */
(function () {
  "use strict";
  function init() {
    var form = document.getElementById("dash-filters");
    if (!form) { return; }
    var segment = form.elements.segment, value = form.elements.value;
    var region = form.elements.region, site = form.elements.site;
    function syncValues() {
      if (!segment || !value) { return; }
      var col = segment.value;
      Array.prototype.forEach.call(value.querySelectorAll("optgroup"), function (g) {
        var on = g.getAttribute("data-segment") === col;
        g.hidden = !on; g.disabled = !on;
      });
      var opt = value.options[value.selectedIndex];
      if (opt && opt.parentNode.tagName === "OPTGROUP" && opt.parentNode.disabled) { value.value = ""; }
      value.disabled = !col;
    }
    function syncSites() {
      if (!region || !site) { return; }
      var r = region.value;
      Array.prototype.forEach.call(site.options, function (o) {
        var home = o.getAttribute("data-region");
        var on = !r || home === null || home === r;
        o.hidden = !on; o.disabled = !on;
      });
      var cur = site.options[site.selectedIndex];
      if (cur && cur.disabled) { site.value = ""; }
    }
    if (segment) { segment.addEventListener("change", syncValues); }
    if (region) { region.addEventListener("change", syncSites); }
    syncValues(); syncSites();
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else { init(); }
}());
