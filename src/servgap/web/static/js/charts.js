/* servgap charts: draw every [data-chart] element with Apache ECharts (packaged, no CDN)
   from the JSON option in the <script type="application/json"> it names, and switch each
   chart to the table of its numbers. No inline script (CSP script-src 'self'). */
(function () {
  "use strict";
  var FONT = 'system-ui, "PingFang SC", "Noto Sans CJK SC", "Noto Sans SC", "Microsoft YaHei", sans-serif';
  var drawn = [];

  function draw(el) {
    var src = document.getElementById(el.getAttribute("data-chart"));
    if (!src || typeof echarts === "undefined") { return; }
    var option;
    try { option = JSON.parse(src.textContent); } catch (e) { return; }
    option.textStyle = option.textStyle || { fontFamily: FONT };
    if (option.animation === undefined) { option.animation = false; }
    var chart = echarts.init(el, null, { renderer: "svg" });
    chart.setOption(option);
    drawn.push(chart);
  }

  function toggle(button) {
    var id = button.getAttribute("data-table-toggle");
    var table = document.querySelector('[data-table-of="' + id + '"]');
    var chart = document.querySelector('[data-chart="' + id + '-option"]');
    if (!table) { return; }
    var showTable = table.hidden;
    table.hidden = !showTable;
    if (chart) { chart.hidden = showTable; }
    button.setAttribute("aria-expanded", showTable ? "true" : "false");
    button.textContent = showTable ? button.getAttribute("data-label-chart")
                                   : button.getAttribute("data-label-table");
    if (!showTable) { drawn.forEach(function (c) { c.resize(); }); }
  }

  function init() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-chart]"), draw);
    document.addEventListener("click", function (ev) {
      var b = ev.target.closest ? ev.target.closest("[data-table-toggle]") : null;
      if (b) { ev.preventDefault(); toggle(b); }
    });
    var timer = null;
    window.addEventListener("resize", function () {
      clearTimeout(timer);
      timer = setTimeout(function () { drawn.forEach(function (c) { c.resize(); }); }, 150);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else { init(); }
}());
