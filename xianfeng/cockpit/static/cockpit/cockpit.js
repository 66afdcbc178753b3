/* The cockpit page: draws the charts from the #xf-cockpit-data block; the breakdown's tabs switch
   its dimension; a click on a bar opens the project list filtered to that group. */
(function () {
  "use strict";
  var source = document.getElementById("xf-cockpit-data");
  if (!source || typeof echarts === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var L = JSON.parse(document.getElementById("xf-cockpit-labels").textContent);
  var C = window.XFCockpitCharts, t = C.LIGHT;
  var charts = [];
  function make(id, option) {
    var el = document.getElementById(id);
    if (!el) { return null; }
    var c = echarts.init(el);
    c.setOption(option);
    charts.push(c);
    return c;
  }
  make("xf-chart-funnel", C.funnel(data, L, t));
  make("xf-chart-curve", C.curve(data, L, t));

  var el = document.getElementById("xf-chart-breakdown");
  var bar = null;
  function show(dim) {
    var rows = data.breakdowns[dim] || [];
    var narrow = window.innerWidth < 576;
    el.style.height = Math.max(220, rows.length * (narrow ? 30 : 28) + 50) + "px";
    if (!bar) { bar = echarts.init(el); charts.push(bar); } else { bar.resize(); }
    bar.setOption(C.breakdown(data, rows, L, t, { labelWidth: narrow ? 90 : 170 }), true);
    C.drill(bar, rows);
    el.setAttribute("data-dim", dim);
  }
  show("category");
  var tabs = document.getElementById("xf-breakdown-tabs");
  tabs.addEventListener("click", function (e) {
    var button = e.target.closest("button[data-dim]");
    if (!button) { return; }
    tabs.querySelectorAll("button").forEach(function (b) { b.classList.toggle("active", b === button); });
    show(button.getAttribute("data-dim"));
  });
  var pending = null;
  window.addEventListener("resize", function () {
    clearTimeout(pending);
    pending = setTimeout(function () { charts.forEach(function (c) { c.resize(); }); }, 120);
  });
})();
