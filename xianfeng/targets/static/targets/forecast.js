/* The investment forecast page's chart (Apache ECharts, vendored). Data: the #xf-forecast-data block. */
(function () {
  "use strict";
  var source = document.getElementById("xf-forecast-data");
  var el = document.getElementById("xf-forecast-chart");
  if (!source || !el || typeof echarts === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  function nums(list) { return list.map(function (v) { return v === null ? null : Number(v); }); }
  var chart = echarts.init(el);
  chart.setOption({
    tooltip: { trigger: "axis" },
    legend: { top: 0 },
    grid: { left: 70, right: 20, top: 36, bottom: 30 },
    xAxis: { type: "category", data: data.months },
    yAxis: { type: "value", name: data.labels.unit },
    series: [
      { name: data.labels.planned, type: "line", data: nums(data.planned), lineStyle: { color: "#1f4e79" }, itemStyle: { color: "#1f4e79" } },
      { name: data.labels.actual, type: "line", data: nums(data.actual), lineStyle: { color: "#2a9d8f", width: 3 }, itemStyle: { color: "#2a9d8f" } },
      { name: data.labels.forecast, type: "line", data: nums(data.forecast), lineStyle: { color: "#e76f51", type: "dashed" }, itemStyle: { color: "#e76f51" } }
    ]
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
