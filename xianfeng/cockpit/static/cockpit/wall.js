/* The wall display (大屏): fetches the cockpit JSON every data-refresh seconds and updates the
   page in place (no reload, no flicker); rotates the panels every data-rotate seconds.
   Keys: ← → previous / next panel, space pause / resume. Vendored assets only. */
(function () {
  "use strict";
  var body = document.body;
  var L = JSON.parse(document.getElementById("xf-cockpit-labels").textContent);
  var C = window.XFCockpitCharts, t = C.DARK;
  var api = body.getAttribute("data-api");
  var period = body.getAttribute("data-period");
  var refresh = parseInt(body.getAttribute("data-refresh"), 10) || 60;
  var rotate = parseInt(body.getAttribute("data-rotate"), 10) || 15;
  var panels = Array.prototype.slice.call(document.querySelectorAll(".xf-panel"));
  var dots = document.getElementById("xf-wall-dots");
  var current = 0, paused = false, timer = null, data = null;
  var charts = {};

  function $(id) { return document.getElementById(id); }
  function fmt(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, k) { return values[k] === undefined || values[k] === null ? "—" : values[k]; });
  }
  function text(id, value) { var el = $(id); if (el && el.textContent !== String(value)) { el.textContent = value; } }
  function yi(v) { var n = C.yi(v); return n === null ? "—" : n.toLocaleString("zh-CN", { minimumFractionDigits: 2, maximumFractionDigits: 2 }); }
  function pct(v) { return v === null || v === undefined ? "—" : v + "%"; }
  function el(tag, cls, content) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (content !== undefined) { e.textContent = content; }
    return e;
  }
  function replace(id, children) {
    var box = $(id);
    box.replaceChildren.apply(box, children);
  }
  /* A headline figure that is wider than its card ("2/15 已完成", "52 82 / 10") is drawn smaller
     until it fits, rather than cut off at the card's edge. */
  function fit(id) {
    var box = $(id);
    box.style.fontSize = "";
    var size = parseFloat(window.getComputedStyle(box).fontSize);
    while (box.scrollWidth > box.clientWidth + 1 && size > 14) {
      size -= 2;
      box.style.fontSize = size + "px";
    }
  }
  /* The gap to the time progress in words: "behind 9.6 points" or "ahead 2.0 points", never "gap -9.6". */
  function gapNote(h) {
    var gap = parseFloat(h.gap);
    if (isNaN(gap)) { return fmt(L.tp_note, { tp: pct(h.time_progress) }); }
    return fmt(gap < 0 ? L.behind_note : L.ahead_note, { tp: pct(h.time_progress), gap: Math.abs(gap).toFixed(1) });
  }

  /* ---- the clock ---- */
  function tick() {
    var now = new Date();
    function two(n) { return (n < 10 ? "0" : "") + n; }
    text("xf-wall-time", two(now.getHours()) + ":" + two(now.getMinutes()) + ":" + two(now.getSeconds()));
    text("xf-wall-date", document.body.dataset.today ||
      now.getFullYear() + "-" + two(now.getMonth() + 1) + "-" + two(now.getDate()));
  }
  tick();
  setInterval(tick, 1000);

  /* ---- panels ---- */
  panels.forEach(function (p, i) {
    var d = el("span", "xf-dot");
    d.title = p.querySelector("h2").textContent;
    d.addEventListener("click", function () { go(i); });
    dots.appendChild(d);
  });
  function go(i) {
    current = (i + panels.length) % panels.length;
    panels.forEach(function (p, j) { p.classList.toggle("is-active", j === current); });
    Array.prototype.forEach.call(dots.children, function (d, j) { d.classList.toggle("is-active", j === current); });
    // Charts drawn while hidden have no size: size them now that they show.
    Object.keys(charts).forEach(function (k) { charts[k].resize(); });
    schedule();
  }
  function schedule() {
    clearTimeout(timer);
    if (!paused) { timer = setTimeout(function () { go(current + 1); }, rotate * 1000); }
    body.classList.toggle("is-paused", paused);
  }
  document.addEventListener("keydown", function (e) {
    if (e.key === "ArrowRight" || e.key === "PageDown") { go(current + 1); }
    else if (e.key === "ArrowLeft" || e.key === "PageUp") { go(current - 1); }
    else if (e.key === " ") { paused = !paused; schedule(); e.preventDefault(); }
  });

  /* ---- drawing ---- */
  function chart(id, option) {
    // Later refreshes merge into the chart drawn, so the bars move to their new values in place.
    if (!charts[id]) { charts[id] = echarts.init($(id), null, { renderer: "canvas" }); charts[id].setOption(option); }
    else { charts[id].setOption(option, { notMerge: false, lazyUpdate: true }); }
  }
  function draw(d) {
    var h = d.headline;
    text("xf-wall-title", fmt(L.title, { district: d.scope_label }));
    text("xf-wall-asof", fmt(L.as_of, { day: d.as_of, tp: pct(d.time_progress) }));
    text("k-projects", h.projects);
    text("k-total", fmt(L.projects_note, { v: yi(h.total_investment) }));
    text("k-invested", yi(h.invested_ytd));
    text("k-plan", fmt(L.plan_note, { v: yi(h.planned_investment) }));
    text("k-rate", pct(h.completion_rate));
    text("k-tp", gapNote(h));
    $("k-rate").className = "xf-kpi-value xf-c-" + C.colourOf(h.gap, d.thresholds);
    text("k-start", pct(h.start_rate));
    text("k-start-note", fmt(L.start_note, { due: h.due_to_start, started: h.started_due }));
    if (h.targets === null) { text("k-targets", "—"); text("k-targets-note", L.missing); }
    else {
      text("k-targets", fmt(L.targets_value, { met: h.targets_met, n: h.targets }));
      text("k-targets-note", fmt(L.targets_note, { n: h.targets_at_risk }));
    }
    text("k-red", h.red === null ? "—" : h.red);
    text("k-yellow", h.yellow === null ? "—" : h.yellow);
    text("k-problems", h.open_problems);
    text("k-problems-note", fmt(L.problems_note, { n: h.overdue_problems }));
    ["k-projects", "k-invested", "k-rate", "k-start", "k-targets", "k-lights"].forEach(fit);

    var c = d.curve;
    var note = c.year_end_forecast === null ? L.no_forecast :
      fmt(L.forecast_note, { v: yi(c.year_end_forecast), r: pct(c.year_end_forecast_rate) }) +
      (c.backtest_error === null ? "" : " · " + fmt(L.backtest_note, { e: c.backtest_error + "%" }));
    text("w-forecast", note);  // before the chart, so the chart takes the height that is left
    chart("w-funnel", C.funnel(d, L, t));
    chart("w-curve", C.curve(d, L, t));
    var small = Object.assign({}, t, { font: 18 });
    // The units in two columns, so thirty of them stay readable from across the room.
    var units = d.breakdowns.unit, half = Math.ceil(units.length / 2);
    var unitFont = Object.assign({}, t, { font: half > 16 ? 16 : 20 });
    chart("w-unit-1", C.breakdown(d, units.slice(0, half), L, unitFont, { labelWidth: 300 }));
    chart("w-unit-2", C.breakdown(d, units.slice(half), L, unitFont, { labelWidth: 300 }));
    ["category", "level", "street", "chain"].forEach(function (dim) {
      // Every bar keeps its label: more rows, smaller type (eight chains share a quarter screen).
      var rows = d.breakdowns[dim], theme = rows.length > 6 ? Object.assign({}, t, { font: 15 }) : small;
      chart("w-" + dim, C.breakdown(d, rows, L, theme, { labelWidth: 150 }));
    });
    drawLegend(d.thresholds);
    drawWarnings(d.warnings);
    drawTargets(d.targets);
    drawProblems(d.problems);
  }
  /* The bars' colours in words, from the thresholds the data carries (the pace warning's). */
  function drawLegend(th) {
    ["w-legend-units", "w-legend-breakdowns"].forEach(function (id) {
      var items = [];
      (th ? th.legend : []).forEach(function (item) {
        var swatch = el("span", "xf-swatch");
        swatch.style.background = C.COLOURS[item.colour] || C.COLOURS.none;
        items.push(swatch, el("span", "", item.text));
      });
      if (th && th.note) { items.push(el("span", "xf-legend-note", th.note)); }
      replace(id, items);
    });
  }
  function warningItems(rows, total, limit) {
    var items = rows.slice(0, limit).map(function (w) {
      var li = el("li");
      li.appendChild(el("span", "xf-name", w.name));
      li.appendChild(el("span", "xf-unit", w.unit));
      li.appendChild(el("div", "xf-reason", w.reasons.join("；")));
      return li;
    });
    if (!items.length) { items.push(el("li", "xf-muted", L.none)); }
    if (total > Math.min(limit, rows.length) && rows.length) {
      items.push(el("li", "xf-muted", fmt(L.more, { n: total - Math.min(limit, rows.length) })));
    }
    return items;
  }
  function drawWarnings(w) {
    if (!w) {
      replace("w-red", [el("li", "xf-muted", L.missing)]);
      replace("w-yellow", [el("li", "xf-muted", L.missing)]);
      return;
    }
    text("w-red-title", fmt(L.red_title, { n: w.red }));
    text("w-yellow-title", fmt(L.yellow_title, { n: w.yellow }));
    replace("w-red", warningItems(w.red_rows, w.red, 6));
    replace("w-yellow", warningItems(w.yellow_rows, w.yellow, 6));
  }
  function drawTargets(targets) {
    if (targets === null) { replace("w-targets", [el("div", "xf-muted", L.missing)]); return; }
    var rows = targets.slice(0, 16).map(function (tg) {
      var row = el("div", "xf-target");
      var head = el("div", "xf-target-head");
      head.appendChild(el("span", "xf-name", tg.name));
      var badges = el("span", "xf-badges");
      badges.appendChild(el("span", "xf-badge xf-status-" + tg.status, tg.status_label));
      if (tg.verdict) { badges.appendChild(el("span", "xf-badge xf-verdict-" + tg.verdict, tg.verdict_label + " " + tg.probability_percent + "%")); }
      head.appendChild(badges);
      row.appendChild(head);
      var bar = el("div", "xf-bar");
      var fill = el("div", "xf-bar-fill xf-status-" + tg.status);
      fill.style.width = Math.max(0, Math.min(100, parseFloat(tg.progress_percent || 0))) + "%";
      bar.appendChild(fill);
      if (tg.expected_percent !== null) {
        var mark = el("div", "xf-bar-mark");
        mark.style.left = Math.min(100, parseFloat(tg.expected_percent)) + "%";
        bar.appendChild(mark);
      }
      row.appendChild(bar);
      row.appendChild(el("div", "xf-target-line", fmt(L.target_line, {
        c: tg.current === null ? "—" : Number(tg.current).toLocaleString("zh-CN"),
        v: tg.target_value === null ? "—" : Number(tg.target_value).toLocaleString("zh-CN"),
        u: tg.unit_of_measure, p: pct(tg.progress_percent), e: pct(tg.expected_percent)
      })));
      return row;
    });
    if (!rows.length) { rows.push(el("div", "xf-muted", L.none)); }
    var box = $("w-targets");
    box.classList.remove("is-dense");
    replace("w-targets", rows);
    // Fifteen targets do not fit in two columns at the normal size: tighter type, none cut off.
    if (box.scrollHeight > box.clientHeight + 1) { box.classList.add("is-dense"); }
  }
  function drawProblems(p) {
    var head = el("tr");
    [L.type, L.open, L.overdue].forEach(function (x) { head.appendChild(el("th", "", x)); });
    var rows = [head].concat(p.by_type.map(function (r) {
      var tr = el("tr");
      tr.appendChild(el("td", "", r.label));
      tr.appendChild(el("td", "xf-num", String(r.open)));
      tr.appendChild(el("td", "xf-num" + (r.overdue ? " xf-red" : ""), String(r.overdue)));
      return tr;
    }));
    replace("w-problem-types", rows);
    var items = p.overdue_rows.slice(0, 7).map(function (r) {
      var li = el("li");
      li.appendChild(el("span", "xf-name", r.title));
      li.appendChild(el("span", "xf-unit", r.unit));
      li.appendChild(el("div", "xf-reason", r.project + " · " + fmt(L.overdue_line, { d: r.deadline, n: r.working_days_late })));
      return li;
    });
    if (!items.length) { items.push(el("li", "xf-muted", L.none)); }
    replace("w-overdue", items);
  }

  /* ---- the feed ---- */
  function load() {
    var url = api + (period ? "?period=" + encodeURIComponent(period) : "");
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.text(); })
      .then(function (raw) {
        if (raw !== data) { draw(JSON.parse(raw)); }  // unchanged figures: nothing to redraw
        data = raw;
        $("xf-wall-stale").hidden = true;
        body.setAttribute("data-loaded", "1");
      })
      .catch(function (e) { $("xf-wall-stale").hidden = false; if (window.console) { console.error(e); } })
      .finally(function () { setTimeout(load, refresh * 1000); });
  }
  var resizing = null;
  window.addEventListener("resize", function () {
    clearTimeout(resizing);
    resizing = setTimeout(function () { Object.keys(charts).forEach(function (k) { charts[k].resize(); }); }, 150);
  });
  go(0);
  load();
})();
