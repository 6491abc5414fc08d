/* Rendering of GET /api/v1/stats reports (public /tre-han page and the staff console). */
(function () {
  "use strict";
  var H = window.Hotline;
  var el = H.el;

  var COLUMNS = [
    ["received", "Tiếp nhận"],
    ["handled", "Đã trả lời"],
    ["handled_on_time", "Trả lời đúng hạn"],
    ["on_time_rate", "Tỷ lệ đúng hạn"],
    ["overdue_open", "Quá hạn chưa trả lời"],
    ["published", "Đã công khai"],
    ["published_rate", "Tỷ lệ công khai"]
  ];
  var DEFINITION_LABELS = {
    scope: "Phạm vi", received: "Tiếp nhận", handled: "Đã trả lời", handled_on_time: "Trả lời đúng hạn",
    overdue_open: "Quá hạn chưa trả lời", published: "Đã công khai", on_time_rate: "Tỷ lệ đúng hạn",
    published_rate: "Tỷ lệ công khai", rejected: "Từ chối", merged: "Gộp trùng lặp", late: "Danh sách trễ hạn"
  };

  /** "YYYY-MM" of the month before `now`, in Vietnam time (the monthly list covers the last full month). */
  function previousMonth(now) {
    var parts = new Intl.DateTimeFormat("en-CA", { timeZone: H.TZ, year: "numeric", month: "2-digit" })
      .formatToParts(now || new Date());
    var year = Number(parts.find(function (p) { return p.type === "year"; }).value);
    var month = Number(parts.find(function (p) { return p.type === "month"; }).value) - 1;
    if (month === 0) { month = 12; year -= 1; }
    return year + "-" + ("0" + month).slice(-2);
  }

  function monthLabel(month) {
    if (!month || month === "*") return "tất cả các tháng";
    var p = month.split("-");
    return "tháng " + Number(p[1]) + "/" + p[0];
  }

  function cell(key, row) {
    var value = row[key];
    if (key.slice(-5) === "_rate") return H.formatPercent(value);
    return value === null || value === undefined ? "—" : Number(value).toLocaleString("vi-VN");
  }

  function summary(totals) {
    var items = [
      ["Tiếp nhận", cell("received", totals)],
      ["Đã trả lời", cell("handled", totals)],
      ["Tỷ lệ trả lời đúng hạn", cell("on_time_rate", totals)],
      ["Quá hạn chưa trả lời", cell("overdue_open", totals)],
      ["Tỷ lệ công khai", cell("published_rate", totals)]
    ];
    return el("ul", { className: "figures" }, items.map(function (pair) {
      return el("li", null, [el("span", { className: "figure", text: pair[1] }), el("span", { className: "figure-label", text: pair[0] })]);
    }));
  }

  function table(report) {
    var showMonth = !report.month;
    var head = [el("th", { scope: "col", text: "Cơ quan" })];
    if (showMonth) head.push(el("th", { scope: "col", text: "Tháng" }));
    COLUMNS.forEach(function (c) { head.push(el("th", { scope: "col", className: "num", text: c[1] })); });
    var body = report.rows.map(function (row) {
      var cells = [el("th", { scope: "row", text: row.agency_name || row.agency_code || "Chưa xác định" })];
      if (showMonth) cells.push(el("td", { text: row.month }));
      COLUMNS.forEach(function (c) {
        var attrs = { className: "num", text: cell(c[0], row) };
        if (c[0] === "on_time_rate" && row.on_time_rate !== null && row.on_time_rate < 1) attrs.className = "num warn";
        cells.push(el("td", attrs));
      });
      return el("tr", null, cells);
    });
    var totals = [el("th", { scope: "row", text: "Tổng cộng" })];
    if (showMonth) totals.push(el("td", { text: "" }));
    COLUMNS.forEach(function (c) { totals.push(el("td", { className: "num", text: cell(c[0], report.totals) })); });
    return el("div", { className: "table-wrap", tabindex: "0", role: "region", "aria-label": "Bảng số liệu theo cơ quan" }, [
      el("table", null, [
        el("caption", { text: "Số liệu xử lý phản ánh, kiến nghị theo cơ quan — " + monthLabel(report.month) }),
        el("thead", null, el("tr", null, head)),
        el("tbody", null, body),
        el("tfoot", null, el("tr", null, totals))
      ])
    ]);
  }

  function lateList(report) {
    if (!report.late || !report.late.length) {
      return el("p", { className: "notice notice-ok", text: "Không có phản ánh, kiến nghị nào trễ hạn trong " + monthLabel(report.month) + "." });
    }
    return el("div", null, report.late.map(function (group) {
      var rows = group.items.map(function (item) {
        return el("tr", null, [
          el("th", { scope: "row" }, el("a", { href: "/tra-cuu?ma=" + encodeURIComponent(item.feedback_code), text: item.feedback_code })),
          el("td", { text: H.formatDate(item.due_at) }),
          el("td", { text: item.handled_at ? H.formatDate(item.handled_at) : "Chưa trả lời" }),
          el("td", { className: "num", text: String(item.days_late) })
        ]);
      });
      return el("section", { className: "late-group" }, [
        el("h3", { text: (group.agency_name || group.agency_code || "Chưa xác định") + " — " + group.items.length + " phản ánh trễ hạn" }),
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
      el("p", { className: "muted small", text: "Tính đến " + H.formatDateTime(report.computed_at) + "." })
    ]);
  }

  /** Replace `container`'s content with the report: summary figures, per-agency table, late list, definitions. */
  function render(container, report) {
    H.clear(container);
    if (!report.rows.length) {
      container.appendChild(el("p", { className: "notice notice-info", text: "Chưa có phản ánh, kiến nghị nào được tiếp nhận trong " + monthLabel(report.month) + "." }));
      container.appendChild(definitions(report));
      return container;
    }
    H.appendAll(container, [
      summary(report.totals),
      table(report),
      el("h2", { text: "Danh sách phản ánh, kiến nghị trễ hạn" }),
      lateList(report),
      definitions(report)
    ]);
    return container;
  }

  window.HotlineStats = { render: render, previousMonth: previousMonth, monthLabel: monthLabel };
})();
