/* A target's monthly progress against the expected progress (Apache ECharts, vendored).
   Data: the #xf-target-data block. */
(function () {
  "use strict";
  var source = document.getElementById("xf-target-data");
  var el = document.getElementById("xf-target-chart");
  if (!source || !el || typeof echarts === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var chart = echarts.init(el);
  function pct(v) { return v === null || v === undefined ? "—" : v.toFixed(1) + "%"; }
  chart.setOption({
    tooltip: { trigger: "axis", valueFormatter: pct },
    legend: { data: ["完成进度", "应达进度"] },
    grid: { left: 50, right: 20, top: 40, bottom: 30 },
    xAxis: { type: "category", data: data.months },
    yAxis: { type: "value", axisLabel: { formatter: "{value}%" } },
    series: [
      { name: "完成进度", type: "bar", barMaxWidth: 36, data: data.actual, itemStyle: { color: "#1f4e79" } },
      { name: "应达进度", type: "line", data: data.expected, lineStyle: { type: "dashed", color: "#e76f51" },
        itemStyle: { color: "#e76f51" } }
    ]
  });
  window.addEventListener("resize", function () { chart.resize(); });
}());
