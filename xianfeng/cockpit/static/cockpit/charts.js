/* The cockpit's charts (Apache ECharts, vendored), shared by the page and the wall display.
   Each builder takes the cockpit JSON (GET /api/cockpit), the translated labels and a theme. */
window.XFCockpitCharts = (function () {
  "use strict";
  var COLOURS = { green: "#2a9d8f", yellow: "#e9b949", red: "#d62828", none: "#9aa8b6" };
  var LIGHT = { text: "#233", muted: "#6c7a89", grid: "#e3e7ed", font: 12, navy: "#1f4e79", teal: "#2a9d8f", amber: "#e76f51" };
  var DARK = { text: "#e8f1ff", muted: "#9fb3c8", grid: "#24405e", font: 22, navy: "#5fa8ff", teal: "#3ddc97", amber: "#ffb454" };

  function num(v) { return v === null || v === undefined || v === "" ? null : parseFloat(v); }
  function yi(v) { var n = num(v); return n === null ? null : Math.round(n / 100) / 100; }  // 万元 → 亿元
  function pct(v) { return v === null || v === undefined ? "—" : Number(v).toFixed(1) + "%"; }
  /* A completion rate's colour by its gap to the time progress (points, negative when behind), with
     the thresholds the cockpit's JSON carries (the pace warning's, data.thresholds), compared as
     the server's colour_of: yellow_points or more behind is yellow, more than red_points is red. */
  function colourOf(gap, th) {
    var g = num(gap);
    if (g === null || isNaN(g) || !th) { return "none"; }
    var behind = -g;
    return behind > num(th.red_points) ? "red" : behind >= num(th.yellow_points) ? "yellow" : "green";
  }

  function funnel(data, L, t) {
    var rows = data.funnel;
    var max = Math.max.apply(null, rows.map(function (s) { return s.count; }).concat([1]));
    return {
      tooltip: { trigger: "item", formatter: function (p) {
        var s = rows[p.dataIndex];
        return s.label + "<br>" + s.count + " " + L.unit_count + " · " + L.total + " " + yi(s.total_investment) + " " + L.yi + "<br>" + s.note;
      } },
      series: [{
        type: "funnel", sort: "none", left: "8%", right: "8%", top: 8, bottom: 8, min: 0, max: max,
        minSize: "34%", gap: 3,
        label: { show: true, position: "inside", color: "#fff", fontSize: t.font, formatter: function (p) {
          return rows[p.dataIndex].label + "  " + rows[p.dataIndex].count;
        } },
        itemStyle: { borderWidth: 0 },
        data: rows.map(function (s, i) {
          return { name: s.label, value: s.count, itemStyle: { color: [t.navy, "#3a7ca5", t.teal, "#6a994e"][i % 4] } };
        })
      }]
    };
  }

  function curve(data, L, t) {
    var c = data.curve;
    var months = c.months.map(function (m) { return m + L.month; });
    var series = [
      { name: L.planned, type: "line", data: c.planned.map(yi), symbol: "none",
        lineStyle: { type: "dashed", width: t.font > 14 ? 4 : 2, color: t.navy }, itemStyle: { color: t.navy } },
      { name: L.actual, type: "line", data: c.actual.map(yi), symbolSize: t.font > 14 ? 10 : 6,
        lineStyle: { width: t.font > 14 ? 5 : 3, color: t.teal }, itemStyle: { color: t.teal },
        areaStyle: { color: t.teal, opacity: 0.12 } }
    ];
    if (c.forecast.some(function (v) { return v !== null; })) {
      series.push({ name: L.forecast, type: "line", data: c.forecast.map(yi), symbol: "none",
        lineStyle: { type: "dotted", width: t.font > 14 ? 4 : 2, color: t.amber }, itemStyle: { color: t.amber } });
    }
    return {
      textStyle: { fontSize: t.font },
      tooltip: { trigger: "axis", valueFormatter: function (v) { return v === null || v === undefined ? "—" : v + " " + L.yi; } },
      legend: { top: 0, textStyle: { color: t.text, fontSize: t.font } },
      grid: { left: 10, right: 20, top: t.font * 2.6, bottom: 10, containLabel: true },
      xAxis: { type: "category", data: months, axisLabel: { color: t.muted, fontSize: t.font }, axisLine: { lineStyle: { color: t.grid } } },
      yAxis: { type: "value", name: L.yi, nameTextStyle: { color: t.muted, fontSize: t.font }, axisLabel: { color: t.muted, fontSize: t.font },
        splitLine: { lineStyle: { color: t.grid } } },
      series: series
    };
  }

  function breakdown(data, rows, L, t, opts) {
    var tp = num(data.time_progress);
    var labelWidth = (opts && opts.labelWidth) || 150;
    return {
      textStyle: { fontSize: t.font },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, formatter: function (ps) {
        var r = rows[ps[0].dataIndex];
        return r.label + "<br>" + L.rate + " " + pct(num(r.completion_rate)) + "（" + L.time_progress + " " + pct(tp) + "）<br>" +
          L.invested + " " + yi(r.invested_ytd) + " / " + L.planned_investment + " " + yi(r.planned_investment) + " " + L.yi +
          "<br>" + L.projects + " " + r.count + (r.url ? "" : "<br>" + L.no_link);
      } },
      grid: { left: 10, right: t.font * 4.5, top: t.font * 1.8, bottom: 10, containLabel: true },
      xAxis: { type: "value", axisLabel: { formatter: "{value}%", color: t.muted, fontSize: t.font },
        splitLine: { lineStyle: { color: t.grid } }, min: 0,
        max: function (v) { return Math.max(100, Math.ceil(v.max / 10) * 10); } },
      yAxis: { type: "category", inverse: true, data: rows.map(function (r) { return r.label; }),
        // interval 0: every bar its label (ECharts otherwise hides some when they are close).
        axisLabel: { color: t.text, fontSize: t.font, width: labelWidth, overflow: "truncate", interval: 0 } },
      series: [{
        name: L.rate, type: "bar", barMaxWidth: t.font * 1.8, cursor: "pointer",
        data: rows.map(function (r) {
          return { value: num(r.completion_rate), itemStyle: { color: COLOURS[r.colour] || COLOURS.none } };
        }),
        label: { show: true, position: "right", color: t.text, fontSize: t.font, formatter: function (p) { return pct(p.value); } },
        markLine: { silent: true, symbol: "none", lineStyle: { color: t.amber, type: "dashed", width: 2 },
          label: { formatter: L.time_progress + " " + pct(tp), color: t.amber, fontSize: t.font, position: "start" },
          data: [{ xAxis: tp }] }
      }]
    };
  }

  /* A bar chart that sends a click on a bar to that group's project list. */
  function drill(chart, rows) {
    chart.off("click");
    chart.on("click", function (p) {
      var r = rows[p.dataIndex];
      if (r && r.url) { window.location.href = r.url; }
    });
  }

  return { COLOURS: COLOURS, LIGHT: LIGHT, DARK: DARK, num: num, yi: yi, pct: pct, colourOf: colourOf,
           funnel: funnel, curve: curve, breakdown: breakdown, drill: drill };
})();
