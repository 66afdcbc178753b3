/* The dispatch statistics page's charts (Apache ECharts, vendored). Data: the #xf-stat-data block. */
(function () {
  "use strict";
  var source = document.getElementById("xf-stat-data");
  if (!source || typeof echarts === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var tp = data.time_progress;
  var NAVY = "#1f4e79", TEAL = "#2a9d8f", AMBER = "#e76f51", GREY = "#b8c4d0";
  var charts = [];
  function chart(id, option) {
    var el = document.getElementById(id);
    if (!el) { return; }
    var c = echarts.init(el);
    c.setOption(option);
    charts.push(c);
  }
  function pct(v) { return v === null || v === undefined ? "—" : v.toFixed(1) + "%"; }
  var tpLine = {
    silent: true, symbol: "none",
    lineStyle: { color: AMBER, type: "dashed" },
    label: { formatter: "时间进度 " + tp.toFixed(1) + "%", color: AMBER, position: "insideEndTop" },
    data: []
  };
  chart("xf-chart-category", {
    tooltip: { trigger: "axis", valueFormatter: pct },
    grid: { left: 50, right: 70, top: 20, bottom: 30 },
    xAxis: { type: "category", data: data.category.labels },
    yAxis: { type: "value", axisLabel: { formatter: "{value}%" }, max: function (v) { return Math.max(v.max, tp) * 1.15; } },
    series: [{
      name: "完成率", type: "bar", barMaxWidth: 48, data: data.category.rates,
      itemStyle: { color: function (p) { return p.dataIndex === data.category.labels.length - 1 ? TEAL : NAVY; } },
      label: { show: true, position: "top", formatter: function (p) { return pct(p.value); } },
      markLine: Object.assign({}, tpLine, { data: [{ yAxis: tp }] })
    }]
  });
  chart("xf-chart-starts", {
    tooltip: { trigger: "axis" },
    legend: { top: 0 },
    grid: { left: 40, right: 20, top: 36, bottom: 30 },
    xAxis: { type: "category", data: data.starts.labels },
    yAxis: { type: "value", minInterval: 1 },
    series: [
      { name: "新开工项目", type: "bar", data: data.starts["new"], itemStyle: { color: GREY }, label: { show: true, position: "top" } },
      { name: "应开工", type: "bar", data: data.starts.due, itemStyle: { color: NAVY }, label: { show: true, position: "top" } },
      { name: "已开工（应开工中）", type: "bar", data: data.starts.started, itemStyle: { color: TEAL }, label: { show: true, position: "top" } }
    ]
  });
  chart("xf-chart-unit", {
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, valueFormatter: pct },
    grid: { left: 10, right: 60, top: 10, bottom: 20, containLabel: true },
    xAxis: { type: "value", axisLabel: { formatter: "{value}%" }, max: function (v) { return Math.max(v.max, tp) * 1.1; } },
    yAxis: { type: "category", data: data.unit.labels, inverse: true, axisLabel: { fontSize: 11 } },
    series: [{
      name: "完成率", type: "bar", data: data.unit.rates, barMaxWidth: 18,
      itemStyle: { color: function (p) { return p.value !== null && p.value < tp ? AMBER : NAVY; } },
      label: { show: true, position: "right", formatter: function (p) { return pct(p.value); } },
      markLine: Object.assign({}, tpLine, { data: [{ xAxis: tp }] })
    }]
  });
  chart("xf-chart-reporting", {
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, valueFormatter: pct },
    legend: { top: 0 },
    grid: { left: 10, right: 30, top: 30, bottom: 20, containLabel: true },
    xAxis: { type: "value", max: 100, axisLabel: { formatter: "{value}%" } },
    yAxis: { type: "category", data: data.reporting.labels, inverse: true, axisLabel: { fontSize: 11 } },
    series: [
      { name: "报送率", type: "bar", data: data.reporting.submission, itemStyle: { color: NAVY }, barMaxWidth: 10 },
      { name: "按时报送率", type: "bar", data: data.reporting.on_time, itemStyle: { color: TEAL }, barMaxWidth: 10 }
    ]
  });
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
