/* The unit grid of the monthly dispatch: move like a spreadsheet, paste blocks from Excel,
   keep the year-to-date and totals current while typing. Plain JS, no dependencies; the form
   still works without it (a normal POST). */
(function () {
  "use strict";

  var STAGE_WORDS = { "是": "construction", "已开工": "construction", "开工": "construction",
    "已竣工": "completed", "竣工": "completed", "已投产": "operating", "投产": "operating",
    "否": "", "无": "", "无变化": "" };

  function number(text) {
    var clean = String(text || "").replace(/[,，\s]/g, "").replace(/万元?$/, "");
    if (clean === "") return 0;
    var value = Number(clean);
    return isFinite(value) ? value : NaN;
  }

  function money(value) {
    return value.toLocaleString("zh-CN", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  }

  // Percent with one place, rounded half up like the server (四舍五入): 120.5 of 1000 is 12.1%,
  // where (12.05).toFixed(1) would give "12.0" from the binary float.
  function rate(part, whole) {
    if (!(whole > 0)) return "—";
    var tenths = Math.round(part * 1000 / whole + 1e-9);
    return (tenths / 10).toFixed(1) + "%";
  }

  function init(root) {
    var table = root.querySelector("table.xf-grid");
    if (!table || table.dataset.ready) return;
    table.dataset.ready = "1";
    var form = table.closest("form");
    var rows = Array.prototype.slice.call(table.querySelectorAll("tbody tr[data-entry]"));
    var note = form && form.querySelector(".xf-dirty-note");
    var dirty = table.dataset.dirty === "1";

    function cellsOf(tr) { return Array.prototype.slice.call(tr.querySelectorAll(".xf-cell")); }
    function where(el) { var tr = el.closest("tr"); return { r: rows.indexOf(tr), c: cellsOf(tr).indexOf(el) }; }
    function editableRow(r, step) {
      while (rows[r] && cellsOf(rows[r]).length === 0) r += step;
      return rows[r] ? r : -1;
    }
    function cellAt(r, c) {
      if (r < 0 || !rows[r]) return null;
      var cells = cellsOf(rows[r]);
      return cells.length ? cells[Math.max(0, Math.min(c, cells.length - 1))] : null;
    }
    function focus(el) {
      if (!el) return;
      el.focus();
      if (el.tagName === "INPUT") el.select();
    }
    function move(el, dr, dc) {
      var p = where(el);
      if (dr) { focus(cellAt(editableRow(p.r + dr, dr), p.c)); return; }
      var cells = cellsOf(rows[p.r]);
      focus(cells[p.c + dc] || null);
    }
    function markDirty(tr) {
      dirty = true;
      if (tr) tr.classList.add("xf-dirty");
      if (note) note.hidden = false;
    }
    function setValue(el, text) {
      if (el.tagName === "SELECT") {
        var wanted = Object.prototype.hasOwnProperty.call(STAGE_WORDS, text) ? STAGE_WORDS[text] : text;
        for (var i = 0; i < el.options.length; i++) {
          if (el.options[i].value === wanted || el.options[i].text === text) { el.selectedIndex = i; break; }
        }
      } else {
        el.value = text;
      }
      markDirty(el.closest("tr"));
    }

    function recompute() {
      var sums = { planned: 0, earlier: 0, month: 0, ytd: 0 };
      rows.forEach(function (tr) {
        var earlier = number(tr.dataset.earlier), planned = number(tr.dataset.planned);
        var input = tr.querySelector(".xf-money");
        var month = input ? number(input.value) : NaN;
        if (input) input.classList.toggle("xf-bad", isNaN(month) || month < 0);
        var ytd = earlier + (isNaN(month) ? 0 : month);
        if (!input) {
          var shown = tr.querySelector(".xf-ytd");
          ytd = shown ? number(shown.textContent) : earlier;
          if (isNaN(ytd)) ytd = earlier;
          month = ytd - earlier;
        }
        var ytdCell = tr.querySelector(".xf-ytd"), rateCell = tr.querySelector(".xf-rate");
        if (ytdCell) ytdCell.textContent = money(ytd);
        if (rateCell) rateCell.textContent = rate(ytd, planned);
        sums.planned += planned; sums.earlier += earlier; sums.month += isNaN(month) ? 0 : month; sums.ytd += ytd;
      });
      var put = function (cls, text) { var el = table.querySelector(cls); if (el) el.textContent = text; };
      put(".xf-total-planned", money(sums.planned));
      put(".xf-total-earlier", money(sums.earlier));
      put(".xf-total-month", money(sums.month));
      put(".xf-total-ytd", money(sums.ytd));
      put(".xf-total-rate", rate(sums.ytd, sums.planned));
    }

    table.addEventListener("keydown", function (e) {
      var el = e.target;
      if (!el.classList || !el.classList.contains("xf-cell")) return;
      var text = el.tagName === "INPUT";
      var atStart = !text || (el.selectionStart === 0 && (el.selectionEnd === 0 || el.selectionEnd === el.value.length));
      var atEnd = !text || el.selectionEnd === el.value.length;
      if ((e.ctrlKey || e.metaKey) && (e.key === "s" || e.key === "Enter")) {
        e.preventDefault();
        var save = form.querySelector(".xf-grid-save");
        if (save) save.click();
        return;
      }
      switch (e.key) {
        case "ArrowUp": e.preventDefault(); move(el, -1, 0); break;
        case "ArrowDown": e.preventDefault(); move(el, 1, 0); break;
        case "Enter": e.preventDefault(); move(el, e.shiftKey ? -1 : 1, 0); break;
        case "ArrowLeft": if (atStart) { e.preventDefault(); move(el, 0, -1); } break;
        case "ArrowRight": if (atEnd) { e.preventDefault(); move(el, 0, 1); } break;
        default: break;
      }
    });

    table.addEventListener("paste", function (e) {
      var el = e.target;
      if (!el.classList || !el.classList.contains("xf-cell")) return;
      var data = (e.clipboardData || window.clipboardData).getData("text") || "";
      var body = data.replace(/\r/g, "").replace(/\n$/, "");
      if (body.indexOf("\t") < 0 && body.indexOf("\n") < 0) return; // one value: the browser pastes it
      e.preventDefault();
      var start = where(el), r = start.r;
      body.split("\n").forEach(function (line) {
        r = editableRow(r, 1);
        if (r < 0) return;
        line.split("\t").forEach(function (value, j) {
          var cell = cellsOf(rows[r])[start.c + j];
          if (cell) setValue(cell, value.trim());
        });
        r += 1;
      });
      recompute();
    });

    table.addEventListener("input", function (e) {
      if (e.target.classList && e.target.classList.contains("xf-cell")) {
        markDirty(e.target.closest("tr"));
        if (e.target.classList.contains("xf-money")) recompute();
      }
    });
    table.addEventListener("change", function (e) {
      if (e.target.tagName === "SELECT") markDirty(e.target.closest("tr"));
    });
    if (form) {
      form.addEventListener("submit", function () { dirty = false; });
      form.addEventListener("htmx:beforeRequest", function () { dirty = false; });
    }
    window.addEventListener("beforeunload", function (e) {
      if (dirty && document.body.contains(table)) { e.preventDefault(); e.returnValue = ""; }
    });
    recompute();
    var first = table.querySelector("tr.xf-row-error .xf-cell.is-invalid");
    if (first) focus(first);
  }

  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:afterSwap", function (e) { init(e.target.closest("#xf-grid") || document); });
  document.addEventListener("htmx:afterSettle", function () { init(document); });
})();
