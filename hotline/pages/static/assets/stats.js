/* Rendering of GET /api/v1/stats reports (public /tre-han page and the supervisor console on /can-bo).
 *
 * Charts use Chart.js (vendored, MIT, assets/vendor/) on <canvas>; every chart has a table with the same
 * numbers next to it, so the figures stay readable without JavaScript charts or with a screen reader.
 */
(function () {
  "use strict";
  var H = window.Hotline;
  var el = H.el;
  var MONTH_RE = /^[0-9]{4}-(0[1-9]|1[0-2])$/;
  var CHART_AGENCIES = 15;  // the chart shows the worst ones; the table below lists every agency

  var AGENCY_COLUMNS = [
    ["due_total", "Phải xử lý"],
    ["handled", "Đã trả lời"],
    ["handled_on_time", "Trả lời đúng hạn"],
    ["open_in_time", "Đang xử lý trong hạn"],
    ["overdue_open", "Quá hạn chưa trả lời"],
    ["published", "Đã công khai"],
    ["on_time_rate", "Tỷ lệ xử lý đúng hạn"],
    ["handled_on_time_rate", "Tỷ lệ trả lời đúng hạn (trên số đã trả lời)"]
  ];
  var MONTH_COLUMNS = [
    ["received", "Tiếp nhận"],
    ["due_total", "Phải xử lý"],
    ["handled", "Đã trả lời"],
    ["overdue_open", "Quá hạn chưa trả lời"],
    ["on_time_rate", "Tỷ lệ xử lý đúng hạn"],
    ["handled_on_time_rate", "Tỷ lệ trả lời đúng hạn (trên số đã trả lời)"],
    ["backlog_overdue", "Tồn đọng quá hạn cuối tháng"]
  ];
  var DEFINITION_LABELS = {
    scope: "Phạm vi", on_time_rate: "Tỷ lệ xử lý PAKN đúng hạn",
    handled_on_time_rate: "Tỷ lệ trả lời đúng hạn (trên số đã trả lời)", received: "Tiếp nhận",
    due_total: "Phải xử lý", handled: "Đã trả lời", handled_on_time: "Trả lời đúng hạn",
    handled_late: "Trả lời trễ hạn", open_in_time: "Đang xử lý trong hạn", overdue_open: "Quá hạn chưa trả lời",
    published: "Đã công khai", published_rate: "Tỷ lệ công khai", rejected: "Từ chối", merged: "Gộp trùng lặp",
    funnel: "Luồng xử lý", backlog: "Tồn đọng quá hạn", late: "Danh sách trễ hạn"
  };

  function validMonth(value) { return MONTH_RE.test(value); }

  /** "YYYY-MM" of the local month `offset` months from the one containing `now` (Vietnam time). */
  function shiftMonth(offset, now) {
    var parts = new Intl.DateTimeFormat("en-CA", { timeZone: H.TZ, year: "numeric", month: "2-digit" })
      .formatToParts(now || new Date());
    var year = Number(parts.find(function (p) { return p.type === "year"; }).value);
    var month = Number(parts.find(function (p) { return p.type === "month"; }).value) - 1 + offset;
    year += Math.floor(month / 12);
    month = ((month % 12) + 12) % 12 + 1;
    return year + "-" + ("0" + month).slice(-2);
  }

  /** "YYYY-MM" of the month before `now`, in Vietnam time (the monthly list covers the last full month). */
  function previousMonth(now) { return shiftMonth(-1, now); }

  function monthShort(month) {
    var p = month.split("-");
    return Number(p[1]) + "/" + p[0];
  }

  function monthLabel(month) {
    if (!month || month === "*") return "tất cả các tháng";
    return "tháng " + monthShort(month);
  }

  /** The period of a report or a {from, to} pair, in words. */
  function periodLabel(from, to) {
    if (!from && !to) return "tất cả các tháng";
    if (from && from === to) return monthLabel(from);
    if (!from) return "đến tháng " + monthShort(to);
    if (!to) return "từ tháng " + monthShort(from);
    return "từ tháng " + monthShort(from) + " đến tháng " + monthShort(to);
  }

  /** A check of a month range typed by the user; returns a Vietnamese message or null. */
  function rangeProblem(from, to) {
    if (from && !validMonth(from)) return "Tháng bắt đầu phải có dạng năm-tháng, ví dụ 2026-03.";
    if (to && !validMonth(to)) return "Tháng kết thúc phải có dạng năm-tháng, ví dụ 2026-03.";
    if (from && to && from > to) return "Tháng bắt đầu phải trước hoặc bằng tháng kết thúc.";
    return null;
  }

  /** Rates with two decimals, as the province reports them ("99,76 %"). */
  function percent(rate) {
    if (rate === null || rate === undefined || isNaN(rate)) return "—";
    return (Math.round(rate * 10000) / 100).toLocaleString("vi-VN", { minimumFractionDigits: 2, maximumFractionDigits: 2 }) + " %";
  }

  function cell(key, row) {
    var value = row[key];
    if (key.slice(-5) === "_rate") return percent(value);
    return value === null || value === undefined ? "—" : Number(value).toLocaleString("vi-VN");
  }

  function agencyName(row) { return row.agency_name || row.agency_code || "Chưa xác định"; }

  function rateClass(rate) {
    if (rate === null || rate === undefined) return "";
    return rate < 0.9 ? "bad" : rate < 1 ? "warn" : "good";
  }

  function summary(report) {
    var t = report.totals;
    var headline = el("li", { className: "figure-main " + rateClass(t.on_time_rate) }, [
      el("span", { className: "figure", text: percent(t.on_time_rate) }),
      el("span", { className: "figure-label", text: "Tỷ lệ xử lý PAKN đúng hạn" }),
      el("span", { className: "figure-note", text: "(" + cell("handled_on_time", t) + " trả lời đúng hạn + " +
        cell("open_in_time", t) + " đang xử lý trong hạn) / " + cell("due_total", t) + " phải xử lý" })
    ]);
    var items = [
      ["Tỷ lệ trả lời đúng hạn (trên số đã trả lời)", percent(t.handled_on_time_rate)],
      ["Quá hạn chưa trả lời (PAKN của kỳ)", cell("overdue_open", t)],
      ["Tồn đọng quá hạn hiện nay (mọi tháng)", cell("total", report.backlog || {})],
      ["Tỷ lệ công khai", percent(t.published_rate)]
    ];
    return el("ul", { className: "figures" }, [headline].concat(items.map(function (pair) {
      return el("li", null, [el("span", { className: "figure", text: pair[1] }), el("span", { className: "figure-label", text: pair[0] })]);
    })));
  }

  function tableWrap(label, children) {
    return el("div", { className: "table-wrap", tabindex: "0", role: "region", "aria-label": label }, el("table", null, children));
  }

  function agencyTable(report) {
    var head = [el("th", { scope: "col", text: "Cơ quan" })];
    AGENCY_COLUMNS.forEach(function (c) { head.push(el("th", { scope: "col", className: "num", text: c[1] })); });
    var body = report.agencies.map(function (row) {
      var cells = [el("th", { scope: "row", text: agencyName(row) })];
      AGENCY_COLUMNS.forEach(function (c) {
        var attrs = { className: "num", text: cell(c[0], row) };
        if (c[0] === "on_time_rate" && row.on_time_rate !== null && row.on_time_rate < 1) attrs.className = "num warn";
        if (c[0] === "overdue_open" && row.overdue_open > 0) attrs.className = "num warn";
        cells.push(el("td", attrs));
      });
      return el("tr", { "data-agency": row.agency_code || "" }, cells);
    });
    var totals = [el("th", { scope: "row", text: "Tổng cộng" })];
    AGENCY_COLUMNS.forEach(function (c) { totals.push(el("td", { className: "num", text: cell(c[0], report.totals) })); });
    return tableWrap("Bảng số liệu theo cơ quan", [
      el("caption", { text: "Theo cơ quan, tỷ lệ thấp nhất trước — " + periodLabel(report.from, report.to) }),
      el("thead", null, el("tr", null, head)),
      el("tbody", { id: "agency-rows" }, body),
      el("tfoot", null, el("tr", null, totals))
    ]);
  }

  function monthTable(report) {
    var head = [el("th", { scope: "col", text: "Tháng" })];
    MONTH_COLUMNS.forEach(function (c) { head.push(el("th", { scope: "col", className: "num", text: c[1] })); });
    var body = report.months.map(function (row) {
      var cells = [el("th", { scope: "row", text: monthShort(row.month) })];
      MONTH_COLUMNS.forEach(function (c) { cells.push(el("td", { className: "num", text: cell(c[0], row) })); });
      return el("tr", null, cells);
    });
    return tableWrap("Bảng số liệu theo tháng", [
      el("caption", { text: "Theo tháng tiếp nhận" }),
      el("thead", null, el("tr", null, head)),
      el("tbody", null, body)
    ]);
  }

  function backlogTable(report) {
    var backlog = report.backlog;
    var head = [el("th", { scope: "col", text: "Cơ quan" })];
    backlog.buckets.forEach(function (b) { head.push(el("th", { scope: "col", className: "num", text: b.label })); });
    head.push(el("th", { scope: "col", className: "num", text: "Tổng" }));
    head.push(el("th", { scope: "col", className: "num", text: "Lâu nhất (ngày làm việc)" }));
    var body = backlog.agencies.map(function (group) {
      var cells = [el("th", { scope: "row", text: agencyName(group) })];
      group.buckets.forEach(function (n) { cells.push(el("td", { className: "num", text: String(n) })); });
      cells.push(el("td", { className: "num warn", text: String(group.total) }));
      cells.push(el("td", { className: "num", text: String(group.oldest_days) }));
      return el("tr", null, cells);
    });
    return tableWrap("Tồn đọng quá hạn theo cơ quan", [
      el("caption", { text: "Tồn đọng quá hạn theo cơ quan và số ngày làm việc quá hạn, tính đến " + H.formatDateTime(backlog.as_of) }),
      el("thead", null, el("tr", null, head)),
      el("tbody", null, body)
    ]);
  }

  function codeLink(code) {
    return el("a", { href: "/tra-cuu?ma=" + encodeURIComponent(code), text: code });
  }

  function backlogList(report) {
    var items = report.backlog.items;
    var rows = items.map(function (item) {
      return el("tr", null, [
        el("th", { scope: "row" }, codeLink(item.feedback_code)),
        el("td", { text: agencyName(item) }),
        el("td", { text: monthShort(item.month) }),
        el("td", { text: H.formatDate(item.due_at) }),
        el("td", { className: "num", text: String(item.days_overdue) })
      ]);
    });
    return el("details", { className: "more" }, [
      el("summary", { text: "Danh sách " + items.length + " phản ánh, kiến nghị tồn đọng quá hạn" }),
      tableWrap("Danh sách tồn đọng quá hạn", [
        el("thead", null, el("tr", null, [
          el("th", { scope: "col", text: "Mã" }), el("th", { scope: "col", text: "Cơ quan" }),
          el("th", { scope: "col", text: "Tháng tiếp nhận" }), el("th", { scope: "col", text: "Hạn trả lời" }),
          el("th", { scope: "col", className: "num", text: "Số ngày làm việc quá hạn" })
        ])),
        el("tbody", null, rows)
      ])
    ]);
  }

  function lateList(report) {
    var period = periodLabel(report.from, report.to);
    if (!report.late || !report.late.length) {
      return el("p", { className: "notice notice-ok", text: "Không có phản ánh, kiến nghị nào tiếp nhận " + period + " bị trễ hạn." });
    }
    return el("div", null, report.late.map(function (group) {
      var rows = group.items.map(function (item) {
        return el("tr", null, [
          el("th", { scope: "row" }, codeLink(item.feedback_code)),
          el("td", { text: H.formatDate(item.due_at) }),
          el("td", { text: item.handled_at ? H.formatDate(item.handled_at) : "Chưa trả lời" }),
          el("td", { className: "num", text: String(item.days_late) })
        ]);
      });
      return el("section", { className: "late-group" }, [
        el("h3", { text: agencyName(group) + " — " + group.items.length + " phản ánh trễ hạn" }),
        el("div", { className: "table-wrap" }, el("table", null, [
          el("thead", null, el("tr", null, [
            el("th", { scope: "col", text: "Mã" }),
            el("th", { scope: "col", text: "Hạn trả lời" }),
            el("th", { scope: "col", text: "Ngày trả lời" }),
            el("th", { scope: "col", className: "num", text: "Số ngày làm việc trễ" })
          ])),
          el("tbody", null, rows)
        ]))
      ]);
    }));
  }

  function definitions(report) {
    var defs = report.definitions || {};
    var items = [];
    Object.keys(defs).forEach(function (key) {
      items.push(el("dt", { text: DEFINITION_LABELS[key] || key }));
      items.push(el("dd", { text: defs[key] }));
    });
    return el("details", { className: "definitions" }, [
      el("summary", { text: "Cách tính các số liệu" }),
      el("dl", null, items),
      el("p", { className: "muted small", text: "Tính đến " + H.formatDateTime(report.computed_at) + " (giờ Việt Nam)." })
    ]);
  }

  // --- charts -------------------------------------------------------------------------------------
  var COLORS = { bad: "#b00020", warn: "#e08a00", good: "#2e7d32", line: "#b71c1c", line2: "#1565c0", bar: "#9e9e9e" };

  function chartBox(id, title, description, height) {
    var canvas = el("canvas", { id: id, role: "img", "aria-label": description });
    canvas.appendChild(document.createTextNode(description));
    var box = el("div", { className: "chart-box" }, canvas);
    box.style.height = height + "px";
    return el("figure", { className: "chart" }, [el("figcaption", { text: title }), box]);
  }

  function truncate(text, n) { return text.length > n ? text.slice(0, n - 1) + "…" : text; }

  function percentAxis() {
    return { min: 0, max: 100, ticks: { callback: function (v) { return v + " %"; } } };
  }

  /** Words of `text` in lines of at most `width` characters, at most `lines` lines (the last one cut with "…"). */
  function wrap(text, width, lines) {
    var out = [];
    var line = "";
    text.split(/\s+/).forEach(function (word) {
      if (line && (line + " " + word).length > width) { out.push(line); line = word; }
      else line = line ? line + " " + word : word;
    });
    if (line) out.push(line);
    if (out.length > lines) {
      out = out.slice(0, lines);
      out[lines - 1] = truncate(out[lines - 1] + " …", width + 1);
    }
    return out;
  }

  /** Chart.js configurations (pure: tests read them back from Chart.getChart(canvas)). On a narrow
   * screen the agency names wrap onto two lines above their rate, instead of being cut off. */
  function agencyChartConfig(report, narrow) {
    var rows = report.agencies.filter(function (a) { return a.on_time_rate !== null; }).slice(0, CHART_AGENCIES);
    return {
      type: "bar",
      data: {
        // The value is in the label too: a 0 % bar has no length to see.
        labels: rows.map(function (a) {
          return narrow ? wrap(agencyName(a), 20, 2).concat([percent(a.on_time_rate)])
            : truncate(agencyName(a), 34) + " — " + percent(a.on_time_rate);
        }),
        datasets: [{
          label: "Tỷ lệ xử lý PAKN đúng hạn",
          data: rows.map(function (a) { return Math.round(a.on_time_rate * 10000) / 100; }),
          backgroundColor: rows.map(function (a) { return COLORS[rateClass(a.on_time_rate)]; }),
          agencyCodes: rows.map(function (a) { return a.agency_code; })
        }]
      },
      options: {
        indexAxis: "y", animation: false, maintainAspectRatio: false,
        scales: { x: percentAxis(), y: { ticks: { autoSkip: false } } },
        plugins: { legend: { display: false }, tooltip: { callbacks: { label: function (c) { return c.parsed.x + " %"; } } } }
      }
    };
  }

  function trendChartConfig(report) {
    var months = report.months;
    function rates(key) { return months.map(function (m) { return m[key] === null ? null : Math.round(m[key] * 10000) / 100; }); }
    return {
      data: {
        labels: months.map(function (m) { return monthShort(m.month); }),
        datasets: [
          { type: "line", label: "Tỷ lệ xử lý PAKN đúng hạn", data: rates("on_time_rate"), borderColor: COLORS.line,
            backgroundColor: COLORS.line, yAxisID: "y", spanGaps: true, order: 1 },
          { type: "line", label: "Tỷ lệ trả lời đúng hạn (trên số đã trả lời)", data: rates("handled_on_time_rate"),
            borderColor: COLORS.line2, backgroundColor: COLORS.line2, borderDash: [6, 4], yAxisID: "y", spanGaps: true, order: 2 },
          { type: "bar", label: "Tồn đọng quá hạn cuối tháng", data: months.map(function (m) { return m.backlog_overdue; }),
            backgroundColor: "rgba(158, 158, 158, .55)", yAxisID: "y1", order: 3 }
        ]
      },
      options: {
        animation: false, maintainAspectRatio: false,
        scales: {
          y: percentAxis(),
          y1: { position: "right", beginAtZero: true, grid: { drawOnChartArea: false }, ticks: { precision: 0 },
                title: { display: true, text: "Số PAKN" } }
        },
        plugins: { legend: { position: "bottom" } }
      }
    };
  }

  function backlogChartConfig(report) {
    var buckets = report.backlog.buckets;
    return {
      type: "bar",
      data: {
        labels: buckets.map(function (b) { return b.label; }),
        datasets: [{ label: "Số PAKN tồn đọng quá hạn", data: buckets.map(function (b) { return b.count; }),
                     backgroundColor: [COLORS.warn, "#d84315", COLORS.bad, "#6a1b1b"] }]
      },
      options: {
        animation: false, maintainAspectRatio: false,
        scales: { y: { beginAtZero: true, ticks: { precision: 0 } },
                  x: { title: { display: true, text: "Số ngày làm việc quá hạn" } } },
        plugins: { legend: { display: false } }
      }
    };
  }

  function drawCharts(container, report) {
    var Chart = window.Chart;
    if (!Chart) return;  // the tables carry the same numbers
    Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
    Chart.defaults.color = "#333";
    var narrow = container.clientWidth < 560;
    [["chart-agencies", agencyChartConfig], ["chart-trend", trendChartConfig], ["chart-backlog", backlogChartConfig]]
      .forEach(function (pair) {
        var canvas = container.querySelector("#" + pair[0]);
        if (canvas) new Chart(canvas, pair[1](report, narrow));
      });
  }

  function destroyCharts(container) {
    if (!window.Chart) return;
    Array.prototype.forEach.call(container.querySelectorAll("canvas"), function (canvas) {
      var chart = window.Chart.getChart(canvas);
      if (chart) chart.destroy();
    });
  }

  function charts(report, narrow) {
    var ranked = report.agencies.filter(function (a) { return a.on_time_rate !== null; });
    var shown = Math.min(ranked.length, CHART_AGENCIES);
    var parts = [];
    if (shown) {
      parts.push(chartBox("chart-agencies",
        (ranked.length > shown ? shown + " cơ quan có tỷ lệ thấp nhất" : "Tỷ lệ xử lý đúng hạn theo cơ quan") + " (thấp nhất trước)",
        "Biểu đồ cột ngang: tỷ lệ xử lý PAKN đúng hạn của từng cơ quan, thấp nhất trước. Số liệu đầy đủ ở bảng bên dưới.",
        Math.max(160, 44 + (narrow ? 58 : 30) * shown)));
    }
    parts.push(chartBox("chart-trend", "Xu hướng theo tháng",
      "Biểu đồ đường: tỷ lệ xử lý đúng hạn và tỷ lệ trả lời đúng hạn theo tháng, cột: tồn đọng quá hạn cuối tháng. Số liệu ở bảng theo tháng.",
      300));
    parts.push(chartBox("chart-backlog", "Tồn đọng quá hạn theo số ngày quá hạn (hiện nay)",
      "Biểu đồ cột: số PAKN tồn đọng quá hạn theo số ngày làm việc đã quá hạn. Số liệu ở bảng tồn đọng.", 240));
    return el("div", { className: "charts" }, parts);
  }

  /** Replace `container`'s content with the report: headline, charts, tables worst first, late list, definitions. */
  function render(container, report) {
    destroyCharts(container);
    H.clear(container);
    var empty = !report.rows.length && !(report.backlog && report.backlog.total);
    if (empty) {
      container.appendChild(el("p", { className: "notice notice-info", text: "Chưa có phản ánh, kiến nghị nào được tiếp nhận " +
        periodLabel(report.from, report.to) + "." }));
      container.appendChild(definitions(report));
      return container;
    }
    H.appendAll(container, [
      summary(report),
      charts(report, container.clientWidth < 560),
      el("h2", { text: "Theo cơ quan" }),
      report.agencies.length ? agencyTable(report) : el("p", { className: "muted", text: "Không có phản ánh, kiến nghị nào trong kỳ." }),
      el("h2", { text: "Theo tháng" }),
      monthTable(report),
      el("h2", { text: "Tồn đọng quá hạn hiện nay" }),
      report.backlog.total
        ? el("div", null, [backlogTable(report), backlogList(report)])
        : el("p", { className: "notice notice-ok", text: "Hiện không có phản ánh, kiến nghị nào tồn đọng quá hạn." }),
      el("h2", { text: "Danh sách phản ánh, kiến nghị trễ hạn " + periodLabel(report.from, report.to) }),
      lateList(report),
      definitions(report)
    ]);
    drawCharts(container, report);
    return container;
  }

  window.HotlineStats = {
    render: render, previousMonth: previousMonth, shiftMonth: shiftMonth, monthLabel: monthLabel,
    periodLabel: periodLabel, rangeProblem: rangeProblem, validMonth: validMonth, percent: percent,
    agencyChartConfig: agencyChartConfig
  };
})();
