/* /tre-han: the public figures, charts and late list (GET /api/v1/stats needs no login). */
(function () {
  "use strict";
  var H = window.Hotline;
  var S = window.HotlineStats;
  var fromInput = document.getElementById("from");
  var toInput = document.getElementById("to");
  var agencySelect = document.getElementById("agency");
  var statusBox = document.getElementById("stats-status");
  var container = document.getElementById("stats");
  var latest = 0;  // only the latest request may draw

  function exportUrl(format, table, query) {
    return H.endpoint("GET /api/v1/stats", null, Object.assign({ format: format, table: table }, query)).url;
  }

  function load() {
    var from = fromInput.value.trim();
    var to = toInput.value.trim();
    var problem = S.rangeProblem(from, to);
    if (problem) {
      H.say(statusBox, problem, "error");
      return;
    }
    var query = { from: from, to: to, agency: agencySelect.value };
    document.getElementById("xlsx-report").setAttribute("href", exportUrl("xlsx", null, query));
    document.getElementById("csv-rows").setAttribute("href", exportUrl("csv", "rows", query));
    document.getElementById("csv-late").setAttribute("href", exportUrl("csv", "late", query));
    document.getElementById("csv-backlog").setAttribute("href", exportUrl("csv", "backlog", query));
    document.getElementById("stats-title").textContent = "Kết quả " + S.periodLabel(from, to);
    H.say(statusBox, "Đang tải số liệu…", "info");
    var mine = ++latest;
    H.api("GET /api/v1/stats", { query: query })
      .then(function (report) {
        if (mine !== latest) return;
        H.say(statusBox, "", null);
        S.render(container, report);
      })
      .catch(function (error) {
        if (mine !== latest) return;
        H.clear(container);
        H.say(statusBox, error.message, "error");
      });
  }

  H.api("GET /api/v1/agencies").then(function (agencies) {
    agencies.forEach(function (a) { agencySelect.appendChild(H.el("option", { value: a.code, text: a.name })); });
  }).catch(function () { /* optional filter */ });

  document.getElementById("month-form").addEventListener("submit", function (event) {
    event.preventDefault();
    load();
  });
  // "?thang=2026-03" opens one month (links from reports), "?tu=…&den=…" a range; the default is the
  // last six full months, so the trend has points and the monthly list is complete.
  var month = new URLSearchParams(window.location.search).get("thang") || "";
  var from = new URLSearchParams(window.location.search).get("tu") || "";
  var to = new URLSearchParams(window.location.search).get("den") || "";
  if (S.validMonth(month)) {
    fromInput.value = toInput.value = month;
  } else {
    fromInput.value = S.validMonth(from) ? from : S.shiftMonth(-6);
    toInput.value = S.validMonth(to) ? to : S.previousMonth();
  }
  load();
})();
