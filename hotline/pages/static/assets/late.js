/* /tre-han: the public monthly figures and late list (GET /api/v1/stats needs no login). */
(function () {
  "use strict";
  var H = window.Hotline;
  var S = window.HotlineStats;
  var monthInput = document.getElementById("month");
  var agencySelect = document.getElementById("agency");
  var statusBox = document.getElementById("stats-status");
  var container = document.getElementById("stats");

  function csvUrl(table, month, agency) {
    return H.endpoint("GET /api/v1/stats", null, { format: "csv", table: table, month: month, agency: agency }).url;
  }

  function load() {
    var month = monthInput.value.trim();
    if (month && !/^[0-9]{4}-(0[1-9]|1[0-2])$/.test(month)) {
      H.say(statusBox, "Tháng phải có dạng năm-tháng, ví dụ 2026-03.", "error");
      return;
    }
    var agency = agencySelect.value;
    document.getElementById("csv-rows").setAttribute("href", csvUrl("rows", month, agency));
    document.getElementById("csv-late").setAttribute("href", csvUrl("late", month, agency));
    document.getElementById("stats-title").textContent = "Kết quả " + S.monthLabel(month);
    H.say(statusBox, "Đang tải số liệu…", "info");
    H.api("GET /api/v1/stats", { query: { month: month, agency: agency } })
      .then(function (report) {
        H.say(statusBox, "", null);
        S.render(container, report);
      })
      .catch(function (error) {
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
  // "?thang=2026-03" opens a given month (links from reports); the default is the last full month.
  var wanted = new URLSearchParams(window.location.search).get("thang");
  monthInput.value = wanted && /^[0-9]{4}-(0[1-9]|1[0-2])$/.test(wanted) ? wanted : S.previousMonth();
  load();
})();
