/* The conversion dashboard's charts (ECharts, vendored). Data comes from the page's JSON block. */
(function () {
  "use strict";
  var source = document.getElementById("xf-attraction-chart-data");
  if (!source || typeof echarts === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var labels = JSON.parse(document.getElementById("xf-attraction-chart-labels").textContent);
  var charts = [];
  function chart(id, option) {
    var el = document.getElementById(id);
    if (!el) { return; }
    var c = echarts.init(el);
    c.setOption(option);
    charts.push(c);
  }
  chart("xf-funnel", {
    tooltip: { trigger: "item", formatter: "{b}：{c}" },
    series: [{
      type: "funnel", sort: "none", minSize: "8%", gap: 2, left: "10%", width: "80%",
      label: { show: true, position: "inside", formatter: "{b} {c}" },
      data: data.funnel
    }]
  });
  chart("xf-trend", {
    tooltip: { trigger: "axis" },
    legend: { data: [labels.entered, labels.signed, labels.landed] },
    grid: { left: 40, right: 20, top: 40, bottom: 30 },
    xAxis: { type: "category", data: data.trend.months },
    yAxis: { type: "value", minInterval: 1 },
    series: [
      { name: labels.entered, type: "bar", data: data.trend.entered },
      { name: labels.signed, type: "line", data: data.trend.signed },
      { name: labels.landed, type: "line", data: data.trend.landed }
    ]
  });
  chart("xf-foreign", {
    tooltip: { trigger: "axis" },
    legend: { data: [labels.month_amount, labels.cumulative] },
    grid: { left: 50, right: 50, top: 40, bottom: 30 },
    xAxis: { type: "category", data: data.foreign.months },
    yAxis: [{ type: "value", name: labels.usd }, { type: "value", name: labels.usd }],
    series: [
      { name: labels.month_amount, type: "bar", data: data.foreign.amounts },
      { name: labels.cumulative, type: "line", yAxisIndex: 1, data: data.foreign.cumulative }
    ]
  });
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
