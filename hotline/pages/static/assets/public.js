/* /cong-khai: published (redacted) answers, searchable and paged. */
(function () {
  "use strict";
  var H = window.Hotline;
  var SIZE = 10;
  var state = { q: "", agency: "", page: 1, pages: 1 };
  var list = document.getElementById("items");
  var statusBox = document.getElementById("list-status");
  var summary = document.getElementById("list-summary");
  var pager = document.getElementById("pager");

  function item(entry) {
    var agency = (entry.agency && (entry.agency.name || entry.agency.code)) || "—";
    return H.el("li", { className: "item" }, [
      H.el("article", { "aria-label": entry.code }, [
        H.el("header", { className: "item-head" }, [
          H.el("span", { className: "code", text: entry.code }),
          H.el("span", { className: "badge", text: H.kindLabel(entry.kind) }),
          H.el("span", { className: "muted", text: agency })
        ]),
        H.el("h3", { className: "item-label", text: "Nội dung" }),
        H.el("p", { className: "content", text: entry.content || "—" }),
        H.el("h3", { className: "item-label", text: "Trả lời của cơ quan" }),
        H.el("p", { className: "answer", text: entry.answer || "—" }),
        H.el("p", { className: "muted small" }, [
          "Tiếp nhận " + H.formatDate(entry.received_at) + " · Công khai " + H.formatDate(entry.published_at)
        ])
      ])
    ]);
  }

  function load() {
    H.say(statusBox, "Đang tải…", "info");
    return H.api("GET /api/v1/public/feedback", {
      query: { q: state.q, agency: state.agency, page: state.page, size: SIZE }
    }).then(function (data) {
      H.say(statusBox, "", null);
      H.clear(list);
      data.items.forEach(function (entry) { list.appendChild(item(entry)); });
      state.pages = Math.max(1, Math.ceil(data.total / SIZE));
      summary.textContent = data.total
        ? "Có " + data.total.toLocaleString("vi-VN") + " kết quả" + (state.q ? " cho “" + state.q + "”" : "") + "."
        : "Chưa có phản ánh nào được công khai" + (state.q || state.agency ? " phù hợp với điều kiện tìm kiếm." : ".");
      pager.hidden = state.pages <= 1;
      document.getElementById("page-info").textContent = "Trang " + state.page + " / " + state.pages;
      document.getElementById("prev").disabled = state.page <= 1;
      document.getElementById("next").disabled = state.page >= state.pages;
    }).catch(function (error) {
      H.say(statusBox, error.message, "error");
    });
  }

  function loadAgencies() {
    return H.api("GET /api/v1/agencies").then(function (agencies) {
      var select = document.getElementById("agency");
      agencies.forEach(function (a) {
        select.appendChild(H.el("option", { value: a.code, text: a.name }));
      });
    }).catch(function () { /* the filter is optional; the list still works */ });
  }

  document.getElementById("search-form").addEventListener("submit", function (event) {
    event.preventDefault();
    state.q = document.getElementById("q").value.trim();
    state.agency = document.getElementById("agency").value;
    state.page = 1;
    load();
  });
  document.getElementById("prev").addEventListener("click", function () {
    if (state.page > 1) { state.page -= 1; load().then(function () { list.scrollIntoView(); }); }
  });
  document.getElementById("next").addEventListener("click", function () {
    if (state.page < state.pages) { state.page += 1; load().then(function () { list.scrollIntoView(); }); }
  });

  loadAgencies();
  load();
})();
