/* /can-bo: staff console. Login -> JWT in sessionStorage; list, detail (staff-view), actions, figures.
 * The server decides what each person may see and do; this page only hides buttons that would be refused.
 */
(function () {
  "use strict";
  var H = window.Hotline;
  var el = H.el;
  var SESSION_KEY = "hotline1022.staff";
  var PAGE_SIZE = 20;

  var C = window.HotlineConsole;
  var ROLE_LABELS = C.ROLE_LABELS;
  var STATUS_LABELS = C.STATUS_LABELS;
  var ACTIONS = C.ACTIONS;

  var session = null;  // {token, role, agency, username}
  var agencies = {};  // code -> name
  var FILTERS = ["q", "status", "agency", "assignee", "overdue", "unread", "page"];
  var list = { page: 1, pages: 1, status: "", agency: "", overdue: false, unread: false, q: "", assignee: "" };
  var countsTimer = null;
  var currentItem = null;
  var pendingMessage = null;  // shown above the next item opened (e.g. after an intake)

  function $(id) { return document.getElementById(id); }
  function setText(id, value) { $(id).textContent = value === null || value === undefined || value === "" ? "—" : String(value); }
  function agencyName(code) { return code ? (agencies[code] || code) : "—"; }

  // --- session ----------------------------------------------------------------------------------
  function tokenExpired(token) {
    try {
      var payload = JSON.parse(atob(token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/")));
      return typeof payload.exp === "number" && payload.exp * 1000 <= Date.now();
    } catch (e) {
      return true;
    }
  }

  function loadSession() {
    try {
      var saved = JSON.parse(sessionStorage.getItem(SESSION_KEY) || "null");
      if (saved && saved.token && !tokenExpired(saved.token)) return saved;
    } catch (e) { /* corrupt entry: start again */ }
    sessionStorage.removeItem(SESSION_KEY);
    return null;
  }

  function logout(message) {
    sessionStorage.removeItem(SESSION_KEY);
    session = null;
    currentItem = null;
    $("console").hidden = true;
    $("login").hidden = false;
    H.say($("console-status"), message || "", message ? "info" : null);
    $("username").focus();
  }

  /** API call with the token; a 401 ends the session with a clear message. */
  function call(spec, options) {
    options = Object.assign({}, options || {}, { token: session && session.token });
    return H.api(spec, options).catch(function (error) {
      if (error.status === 401) logout("Phiên đăng nhập đã hết hạn hoặc không hợp lệ. Vui lòng đăng nhập lại.");
      throw error;
    });
  }

  $("login-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var username = $("username").value.trim();
    var password = $("password").value;
    var box = $("login-status");
    if (!username || !password) {
      H.say(box, "Vui lòng nhập tên đăng nhập và mật khẩu.", "error");
      return;
    }
    H.say(box, "Đang đăng nhập…", "info");
    var form = new URLSearchParams();
    form.set("username", username);
    form.set("password", password);
    H.api("POST /api/v1/auth/token", { form: form }).then(function (token) {
      session = { token: token.access_token, role: token.role, agency: token.agency || null, username: username };
      sessionStorage.setItem(SESSION_KEY, JSON.stringify(session));
      $("password").value = "";
      H.say(box, "", null);
      H.say($("console-status"), "", null);
      start();
    }).catch(function (error) {
      $("password").value = "";
      H.say(box, error.message, "error");
    });
  });
  $("logout").addEventListener("click", function () { logout("Bạn đã đăng xuất."); });

  // --- views ------------------------------------------------------------------------------------
  function showView(name) {
    $("list-view").hidden = name !== "list";
    $("detail-view").hidden = name !== "detail";
    $("stats-view").hidden = name !== "stats";
    $("intake-view").hidden = name !== "intake";
    $("handoff-view").hidden = name !== "handoff";
    $("tab-handoff").setAttribute("aria-pressed", String(name === "handoff"));
    if (name !== "handoff" && window.HotlineOperator) window.HotlineOperator.stop();
    $("tab-list").setAttribute("aria-pressed", String(name === "list" || name === "detail"));
    $("tab-stats").setAttribute("aria-pressed", String(name === "stats"));
    $("tab-intake").setAttribute("aria-pressed", String(name === "intake"));
  }

  function canLogIntake() { return session && C.INTAKE_ROLES.indexOf(session.role) >= 0; }

  function canHandoff() { return session && ["operator", "supervisor", "admin"].indexOf(session.role) >= 0; }

  function canSeeFigures() { return session && (session.role === "supervisor" || session.role === "admin"); }

  function start() {
    $("login").hidden = true;
    $("console").hidden = false;
    $("who").textContent = session.username;
    $("who-role").textContent = ROLE_LABELS[session.role] || session.role;
    $("who-agency").textContent = session.agency ? "· " + agencyName(session.agency) : "";
    $("tab-stats").hidden = !canSeeFigures();
    $("tab-intake").hidden = !canLogIntake();
    $("tab-handoff").hidden = !canHandoff();
    if (canHandoff() && window.HotlineOperator) window.HotlineOperator.watchCount(call, $("handoff-count"));
    // Staff see their own agency only (the server enforces it); the agency filter would be noise.
    $("f-agency-field").hidden = session.role === "staff";
    loadAgencies().then(function () {
      $("who-agency").textContent = session && session.agency ? "· " + agencyName(session.agency) : "";
      route();
    });
  }

  function loadAgencies() {
    if (Object.keys(agencies).length) return Promise.resolve();
    return H.api("GET /api/v1/agencies").then(function (items) {
      var select = $("f-agency");
      items.forEach(function (a) {
        agencies[a.code] = a.name;
        select.appendChild(el("option", { value: a.code, text: a.name }));
      });
    }).catch(function () { /* names fall back to codes */ });
  }

  // Hash routing: "#ma=PA-2026-000001" opens an item, "#so-lieu" the figures, "#ho-tro" the operator
  // console, "#ds?status=...&q=..." the list with its filters (so a filtered list can be bookmarked/shared).
  function filtersFromHash(hash) {
    var params = new URLSearchParams(hash.indexOf("?") >= 0 ? hash.slice(hash.indexOf("?") + 1) : "");
    list.q = params.get("q") || "";
    list.status = params.get("status") || "";
    list.agency = params.get("agency") || "";
    list.assignee = params.get("assignee") || "";
    list.overdue = params.get("overdue") === "1";
    list.unread = params.get("unread") === "1";
    list.page = Math.max(1, parseInt(params.get("page") || "1", 10) || 1);
    $("f-q").value = list.q;
    $("f-status").value = list.status;
    $("f-agency").value = list.agency;
    $("f-assignee").value = list.assignee;
    $("f-overdue").checked = list.overdue;
    $("f-unread").checked = list.unread;
  }

  function hashForFilters() {
    var params = new URLSearchParams();
    FILTERS.forEach(function (key) {
      var value = list[key];
      if (key === "page" && value === 1) return;
      if (value === true) params.set(key, "1");
      else if (value && value !== true) params.set(key, String(value));
    });
    var qs = params.toString();
    return qs ? "ds?" + qs : "ds";
  }

  function goFilters() {
    var target = "#" + hashForFilters();
    if (window.location.hash === target) route();
    else window.location.hash = target;
  }

  function route() {
    if (!session) return;
    var hash = window.location.hash.slice(1);
    var match = /^ma=(PA-\d{4}-\d{6})$/.exec(hash);
    if (match) {
      var message = pendingMessage;
      pendingMessage = null;
      openItem(match[1], message);
      return;
    }
    if (hash === "so-lieu" && canSeeFigures()) { showView("stats"); loadStats(); return; }
    if (hash === "ghi-nhan" && canLogIntake()) { showView("intake"); $("i-content").focus(); return; }
    if (hash === "ho-tro" && canHandoff()) { showView("handoff"); window.HotlineOperator.start(call); return; }
    filtersFromHash(hash);
    showView("list");
    loadList();
  }
  window.addEventListener("hashchange", route);
  var lastListHash = "";
  function goList() {
    var target = lastListHash || "";
    if (window.location.hash.slice(1) !== target) window.location.hash = target;  // hashchange calls route()
    else route();
  }
  $("tab-list").addEventListener("click", goList);
  $("tab-stats").addEventListener("click", function () { window.location.hash = "so-lieu"; });
  $("tab-intake").addEventListener("click", function () { window.location.hash = "ghi-nhan"; });
  $("tab-handoff").addEventListener("click", function () { window.location.hash = "ho-tro"; });
  $("back").addEventListener("click", goList);

  // --- list -------------------------------------------------------------------------------------
  function truncate(text, n) {
    text = String(text || "");
    return text.length > n ? text.slice(0, n - 1) + "…" : text;
  }

  /** "Quá hạn 3 ngày làm việc" / "Còn 2 ngày làm việc" / "Hạn hôm nay", with its CSS class. */
  function dueText(item) {
    var d = item.days_left;
    if (d === null || d === undefined) {
      if (item.status === "needs_info") return { text: "Tạm dừng (chờ công dân)", cls: "muted" };
      return { text: "—", cls: "muted" };
    }
    if (d < 0) return { text: "Quá hạn " + (-d) + " ngày làm việc", cls: "due-late" };
    if (d === 0) return { text: "Hạn hôm nay", cls: "due-soon" };
    return { text: "Còn " + d + " ngày làm việc", cls: d <= 2 ? "due-soon" : "" };
  }

  function loadCounts() {
    return call("GET /api/v1/staff/inbox-counts").then(function (c) {
      var box = H.clear($("counts"));
      [["unread", "Chưa đọc", { unread: true }], ["mine", "Của tôi", { assignee: "me" }],
       ["unassigned", "Chưa ai nhận", { assignee: "none" }], ["overdue", "Quá hạn", { overdue: true }]]
        .forEach(function (spec) {
          var active = Object.keys(spec[2]).every(function (k) { return list[k] === spec[2][k]; });
          box.appendChild(el("button", {
            type: "button", "aria-pressed": String(active), "data-count": spec[0],
            onclick: function () {
              list.q = ""; list.status = ""; list.assignee = ""; list.overdue = false; list.unread = false; list.page = 1;
              if (!active) Object.assign(list, spec[2]);
              goFilters();
            }
          }, [spec[1] + " ", el("span", { className: "count", text: String(c[spec[0]] || 0) })]));
        });
    }).catch(function () { /* badges are a convenience */ });
  }

  function loadList() {
    var box = $("list-status");
    lastListHash = window.location.hash.slice(1);
    H.say(box, "Đang tải…", "info");
    loadCounts();
    return call("GET /api/v1/feedback", {
      query: { q: list.q, status: list.status, agency: list.agency, assignee: list.assignee,
               overdue: list.overdue ? "true" : null, unread: list.unread ? "true" : null,
               sort: "urgency", page: list.page, size: PAGE_SIZE }
    }).then(function (data) {
      H.say(box, "", null);
      var body = H.clear($("list-body"));
      data.items.forEach(function (item) {
        var due = dueText(item);
        body.appendChild(el("tr", { className: [item.overdue ? "row-late" : "", item.unread ? "unread" : ""].join(" ").trim() || null,
                                    "data-code": item.code }, [
          el("th", { scope: "row" }, [
            item.unread ? el("span", { className: "unread-dot", title: "Chưa đọc", "aria-label": "Chưa đọc" }) : null,
            el("a", { href: "#ma=" + item.code, className: "code", text: item.code })
          ]),
          el("td", { "data-label": "Thời hạn", className: due.cls || null }, [due.text, el("br"),
            el("small", { className: "muted", text: "hết ngày " + H.formatDate(item.due_at) })]),
          el("td", { "data-label": "Trạng thái" }, [item.status_label || item.status,
            item.reopened && ["assigned", "in_progress"].indexOf(item.status) >= 0 ? el("span", { className: "badge badge-needs_info", text: "Mở lại" }) : null]),
          el("td", { "data-label": "Lĩnh vực", text: item.category_label || "Chưa phân loại" }),
          el("td", { "data-label": "Cơ quan", text: item.agency_name || agencyName(item.agency) }),
          el("td", { "data-label": "Người xử lý", text: item.assignee || "Chưa ai nhận" }),
          el("td", { "data-label": "Nội dung", className: "clip", text: truncate(item.content, 140) })
        ]));
      });
      list.pages = Math.max(1, Math.ceil(data.total / PAGE_SIZE));
      $("list-summary").textContent = data.total
        ? data.total.toLocaleString("vi-VN") + " phản ánh, kiến nghị — xếp theo mức khẩn: quá hạn trước, rồi hạn gần nhất."
        : "Không có phản ánh, kiến nghị nào phù hợp.";
      $("pager").hidden = list.pages <= 1;
      $("page-info").textContent = "Trang " + list.page + " / " + list.pages;
      $("prev").disabled = list.page <= 1;
      $("next").disabled = list.page >= list.pages;
    }).catch(function (error) {
      if (session) H.say(box, error.message, "error");
    });
  }

  Object.keys(STATUS_LABELS).forEach(function (status) {
    $("f-status").appendChild(el("option", { value: status, text: STATUS_LABELS[status] }));
  });
  $("filter-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var q = $("f-q").value.trim();
    list.q = H.normalizeCode(q) || q;
    list.status = $("f-status").value;
    list.agency = $("f-agency").value;
    list.assignee = $("f-assignee").value;
    list.overdue = $("f-overdue").checked;
    list.unread = $("f-unread").checked;
    list.page = 1;
    goFilters();
  });
  $("prev").addEventListener("click", function () { if (list.page > 1) { list.page -= 1; goFilters(); } });
  $("next").addEventListener("click", function () { if (list.page < list.pages) { list.page += 1; goFilters(); } });

  // --- detail -----------------------------------------------------------------------------------
  function openItem(code, message) {
    showView("detail");
    H.say($("action-status"), message || "Đang tải…", message ? "ok" : "info");
    return call("GET /api/v1/feedback/{code}/staff-view", { params: { code: code } }).then(function (item) {
      if (!message) H.say($("action-status"), "", null);
      renderItem(item);
      if (!message) $("detail-title").focus();
    }).catch(function (error) {
      if (session) H.say($("action-status"), error.message, "error");
    });
  }

  function show(id, visible) { $(id).hidden = !visible; }

  function renderItem(item) {
    currentItem = item;
    $("d-code").textContent = item.code;
    $("d-badge").textContent = item.status_label || item.status;
    $("d-badge").className = "badge badge-" + item.status;
    var due = dueText(item);
    $("d-days").textContent = due.text;
    $("d-days").className = "badge" + (due.cls === "due-late" ? " badge-late" : due.cls === "due-soon" ? " badge-soon" : "");
    $("d-days").hidden = due.text === "—";
    show("d-reopened", !!item.reopened_at && ["assigned", "in_progress"].indexOf(item.status) >= 0);
    setText("d-assignee", item.assignee || "Chưa ai nhận");
    setText("d-kind", H.kindLabel(item.kind));
    setText("d-channel", H.channelLabel(item.channel));
    setText("d-category", item.category_label || "Chưa phân loại");
    setText("d-agency", item.agency && (item.agency.name || item.agency.code));
    setText("d-routing", item.routing_reason);
    setText("d-received", H.formatDateTime(item.received_at));
    setText("d-forward-due", H.formatDue(item.forward_due_at));
    setText("d-due", H.formatDue(item.due_at));
    setText("d-consent", item.publish_consent ? "Có" : (item.public_interest ? "Không (công khai vì lợi ích cộng đồng)" : "Không"));
    setText("d-location", item.location);
    var contact = item.contact;
    setText("d-contact", contact ? [contact.name, contact.phone, contact.email].filter(Boolean).join(" · ") : null);
    setText("d-attachments", item.attachments && item.attachments.length ? item.attachments.length + " ảnh (" + item.attachments.join(", ") + ")" : null);
    setText("d-content", item.content);
    show("d-question-box", !!item.question); setText("d-question", item.question);
    show("d-guidance-box", !!item.guidance); setText("d-guidance", item.guidance);
    show("d-answer-box", !!item.answer); setText("d-answer", item.answer);
    show("d-published-box", !!item.published_text); setText("d-published", item.published_text);
    $("d-published-at").textContent = item.published_at ? "(" + H.formatDateTime(item.published_at) + ")" : "";
    show("d-merged-box", !!item.merged_into); setText("d-merged", item.merged_into);
    H.renderTimeline($("d-timeline"), item.timeline, agencyName);
    renderActions(item);
    renderClaim(item);
    renderNotes(item);
  }

  // --- who holds the item, internal notes ---------------------------------------------------------
  var OPEN = ["received", "assigned", "in_progress", "transferred", "returned", "needs_info"];
  var officersByAgency = {};

  function claimAs(item, body, message) {
    var box = $("claim-status");
    H.say(box, "Đang cập nhật…", "info");
    return call("POST /api/v1/feedback/{code}/claim", { params: { code: item.code }, json: body }).then(function () {
      openItem(item.code, message);
    }).catch(function (error) { if (session) H.say(box, error.message, "error"); });
  }

  function renderClaim(item) {
    var canClaim = ["staff", "supervisor", "admin"].indexOf(session.role) >= 0 && OPEN.indexOf(item.status) >= 0 &&
      (session.role !== "staff" || session.agency === (item.agency && item.agency.code));
    $("claim-panel").hidden = !canClaim;
    H.say($("claim-status"), "", null);
    var slot = H.clear($("claim-slot"));
    if (!canClaim) return;
    slot.appendChild(el("p", null, item.assignee
      ? ["Đang do ", el("strong", { text: item.assignee }), " xử lý."]
      : "Chưa cán bộ nào nhận xử lý."));
    var buttons = el("div", { className: "buttons" });
    if (session.role === "staff" && item.assignee !== session.username) {
      buttons.appendChild(el("button", { type: "button", className: "primary", id: "claim-me", text: "Nhận xử lý",
        onclick: function () { claimAs(item, {}, "Bạn đã nhận xử lý " + item.code + "."); } }));
    }
    if (item.assignee) {
      buttons.appendChild(el("button", { type: "button", className: "secondary", text: "Bỏ nhận",
        onclick: function () { claimAs(item, { release: true }, "Đã bỏ nhận xử lý."); } }));
    }
    slot.appendChild(buttons);
    var agency = item.agency && item.agency.code;
    var select = el("select", { id: "claim-officer" }, el("option", { value: "", text: "— Giao cho cán bộ —" }));
    var form = el("form", { className: "template-row", novalidate: true }, [
      el("div", { className: "field" }, [el("label", { for: "claim-officer", text: "Giao cho cán bộ của cơ quan" }), select]),
      el("button", { type: "submit", className: "secondary", text: "Giao" })
    ]);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (!select.value) { H.say($("claim-status"), "Vui lòng chọn cán bộ.", "error"); return; }
      claimAs(item, { assignee: select.value }, "Đã giao cho cán bộ " + select.value + ".");
    });
    slot.appendChild(form);
    var fill = function (names) {
      names.forEach(function (name) {
        if (name !== item.assignee) select.appendChild(el("option", { value: name, text: name }));
      });
    };
    if (officersByAgency[agency]) fill(officersByAgency[agency]);
    else call("GET /api/v1/staff/officers", { query: { agency: agency } }).then(function (data) {
      officersByAgency[agency] = data.officers;
      fill(data.officers);
    }).catch(function () { form.hidden = true; });
  }

  function renderNotes(item) {
    var canNote = ["staff", "operator", "supervisor", "admin"].indexOf(session.role) >= 0;
    $("notes-panel").hidden = !canNote;
    var listNode = H.clear($("d-notes"));
    (item.notes || []).forEach(function (note) {
      listNode.appendChild(el("li", null, [
        el("span", { className: "muted", text: note.author + " · " + H.formatDateTime(note.created_at) }), note.body
      ]));
    });
    if (!(item.notes || []).length) listNode.appendChild(el("li", { className: "muted", text: "Chưa có ghi chú." }));
  }

  $("note-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var text = $("note-text").value.trim();
    var box = $("note-status");
    if (!currentItem) return;
    if (text.length < 2) { H.say(box, "Vui lòng nhập nội dung ghi chú.", "error"); return; }
    H.say(box, "Đang lưu…", "info");
    call("POST /api/v1/feedback/{code}/notes", { params: { code: currentItem.code }, json: { body: text } })
      .then(function () {
        $("note-text").value = "";
        H.say(box, "", null);
        openItem(currentItem.code, "Đã lưu ghi chú nội bộ.");
      })
      .catch(function (error) { if (session) H.say(box, error.message, "error"); });
  });

  // --- answer templates (per agency) ------------------------------------------------------------
  function templatePicker(item, area) {
    var agency = item.agency && item.agency.code;
    var select = el("select", { id: "tpl-select", "aria-label": "Mẫu trả lời" }, el("option", { value: "", text: "— Dùng mẫu trả lời của cơ quan —" }));
    var status = el("p", { className: "hint", hidden: true });
    var templates = [];
    call("GET /api/v1/answer-templates", { query: { agency: agency } }).then(function (items) {
      templates = items;
      items.forEach(function (t) { select.appendChild(el("option", { value: String(t.id), text: t.title })); });
      if (!items.length) select.firstChild.textContent = "— Cơ quan chưa có mẫu trả lời —";
    }).catch(function () { select.disabled = true; });
    select.addEventListener("change", function () {
      var chosen = templates.filter(function (t) { return String(t.id) === select.value; })[0];
      if (chosen) { area.value = chosen.body; area.focus(); }
    });
    var save = el("button", { type: "button", className: "secondary", text: "Lưu nội dung làm mẫu",
      onclick: function () {
        var body = area.value.trim();
        if (body.length < 10) { status.hidden = false; status.textContent = "Nội dung mẫu cần ít nhất 10 ký tự."; return; }
        var title = window.prompt("Tên mẫu trả lời (ví dụ: Đã sửa chữa xong):", "");
        if (!title || title.trim().length < 2) return;
        call("POST /api/v1/answer-templates", { json: { agency: agency, title: title.trim(), body: body } }).then(function (t) {
          templates.push(t);
          select.appendChild(el("option", { value: String(t.id), text: t.title }));
          status.hidden = false;
          status.textContent = "Đã lưu mẫu “" + t.title + "”.";
        }).catch(function (error) { status.hidden = false; status.textContent = error.message; });
      } });
    return el("div", { className: "field" }, [el("div", { className: "template-row" }, [select, save]), status]);
  }

  function renderActions(item) {
    var buttons = H.clear($("action-buttons"));
    H.clear($("action-form-slot"));
    var names = C.availableActions(item, session.role);
    if (!names.length) {
      buttons.appendChild(el("p", { className: "muted", text: "Không có thao tác nào bạn có thể thực hiện ở trạng thái này." }));
      return;
    }
    names.forEach(function (name) {
      buttons.appendChild(el("button", {
        type: "button", className: "secondary", text: ACTIONS[name].label,
        onclick: function () { openActionForm(name, item); }
      }));
    });
  }

  function control(field, item, id) {
    var value = field.prefill ? field.prefill(item) : "";
    if (field.type === "textarea") {
      var area = el("textarea", { id: id, rows: field.rows || 4, maxlength: 10000, required: field.required });
      area.value = value;
      return area;
    }
    if (field.type === "checkbox") return el("input", { id: id, type: "checkbox" });
    if (field.type === "agency") {
      var select = el("select", { id: id, required: field.required }, el("option", { value: "", text: "— Chọn cơ quan —" }));
      Object.keys(agencies).forEach(function (code) {
        if (code !== (item.agency && item.agency.code)) select.appendChild(el("option", { value: code, text: agencies[code] }));
      });
      return select;
    }
    var input = el("input", { id: id, required: field.required, autocomplete: "off",
                              placeholder: field.type === "code" ? "PA-2026-000123" : null });
    input.value = value;
    return input;
  }

  function openActionForm(name, item) {
    var spec = ACTIONS[name];
    var slot = H.clear($("action-form-slot"));
    var fields = C.fieldsFor(name, item);
    var rows = fields.map(function (field) {
      var id = "act-" + field.name;
      var input = control(field, item, id);
      if (field.type === "checkbox") {
        return el("div", { className: "field" }, el("label", { className: "inline" }, [input, " " + field.label]));
      }
      return el("div", { className: "field" }, [
        el("label", { for: id, text: field.label + (field.required ? " *" : "") }), input
      ]);
    });
    var status = el("p", { className: "notice", role: "alert", hidden: true });
    var form = el("form", { className: "action-form", novalidate: true }, [
      el("fieldset", null, [el("legend", { text: spec.label }), spec.note ? el("p", { className: "hint", text: spec.note }) : null]
        .concat(rows)
        .concat([status, el("div", { className: "buttons" }, [
          el("button", { type: "submit", className: "primary", text: "Xác nhận" }),
          el("button", { type: "button", className: "secondary", text: "Hủy", onclick: function () { H.clear(slot); } })
        ])]))
    ]);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var built = buildBody(fields);
      if (built.error) {
        H.say(status, built.error, "error");
        return;
      }
      var submit = form.querySelector("button[type=submit]");
      submit.disabled = true;
      H.say(status, "Đang thực hiện…", "info");
      call(spec.endpoint, { params: { code: item.code }, json: built.body }).then(function (result) {
        H.clear(slot);
        openItem(item.code, "Đã thực hiện “" + spec.label + "”. Trạng thái hiện tại: " +
          (result.status_label || result.status) + ".");
      }).catch(function (error) {
        submit.disabled = false;
        if (session) H.say(status, error.message, "error");
      });
    });
    if (name === "answer" && ["staff", "supervisor", "admin"].indexOf(session.role) >= 0) {
      var area = form.querySelector("#act-answer");
      area.parentNode.parentNode.insertBefore(templatePicker(item, area), area.parentNode);
    }
    slot.appendChild(form);
    var first = form.querySelector("input, select, textarea, button");
    if (first) first.focus();
  }

  function buildBody(fields) {
    return C.collectBody(fields, function (field) {
      var node = $("act-" + field.name);
      return field.type === "checkbox" ? node.checked : node.value;
    });
  }

  // --- intake of calls, e-mails and visits (operators, supervisors) ----------------------------
  var intakeKey = H.newKey();
  $("intake-form").addEventListener("input", function () { intakeKey = H.newKey(); });
  $("intake-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var box = $("intake-status");
    var built = C.intakeBody({
      kind: $("i-kind").value, channel: $("i-channel").value, content: $("i-content").value,
      location: $("i-location").value, name: $("i-name").value, phone: $("i-phone").value, email: $("i-email").value,
      publish_consent: $("i-consent").checked, received_at: $("i-received").value
    });
    if (built.error) { H.say(box, built.error, "error"); return; }
    var submit = $("intake-form").querySelector("button[type=submit]");
    submit.disabled = true;
    H.say(box, "Đang ghi nhận…", "info");
    call("POST /api/v1/feedback", { json: built.body, headers: { "Idempotency-Key": intakeKey } })
      .then(function (created) {
        $("intake-form").reset();
        intakeKey = H.newKey();
        H.say(box, "", null);
        pendingMessage = "Đã ghi nhận " + created.code + " — " + (created.agency_name || created.agency || "") +
          ", hạn trả lời " + H.formatDue(created.due_at) + ". Hãy đọc mã này cho người gửi.";
        window.location.hash = "ma=" + created.code;
      })
      .catch(function (error) { if (session) H.say(box, error.message, "error"); })
      .then(function () { submit.disabled = false; });
  });

  // --- figures (supervisors) --------------------------------------------------------------------
  var S = window.HotlineStats;
  var statsRequest = 0;  // only the latest request may draw (an older, slower answer is dropped)

  function statsRange() {
    return { from: $("s-from").value.trim(), to: $("s-to").value.trim() };
  }

  function loadStats() {
    var range = statsRange();
    var box = $("stats-status");
    var problem = S.rangeProblem(range.from, range.to);
    if (problem) { H.say(box, problem, "error"); return; }
    H.say(box, "Đang tải số liệu…", "info");
    var mine = ++statsRequest;
    call("GET /api/v1/stats", { query: range }).then(function (report) {
      if (mine !== statsRequest) return;
      H.say(box, "", null);
      S.render($("stats"), report);
    }).catch(function (error) {
      if (session && mine === statsRequest) H.say(box, error.message, "error");
    });
  }

  function filenameFrom(response, fallback) {
    var header = response.headers.get("Content-Disposition") || "";
    var m = /filename="?([^";]+)"?/.exec(header);
    return m ? m[1] : fallback;
  }

  /** A CSV/XLSX export through fetch (the token cannot ride on a plain link), handed over as a download. */
  function download(format, table) {
    var range = statsRange();
    var box = $("stats-status");
    var problem = S.rangeProblem(range.from, range.to);
    if (problem) { H.say(box, problem, "error"); return; }
    H.say(box, "Đang chuẩn bị tệp…", "info");
    var query = { format: format, table: table, from: range.from, to: range.to };
    var accept = format === "xlsx" ? "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" : "text/csv";
    call("GET /api/v1/stats", { query: query, raw: true, headers: { Accept: accept } })
      .then(function (response) {
        var name = filenameFrom(response, "pakn." + format);
        return response.blob().then(function (blob) {
          var url = URL.createObjectURL(blob);
          var link = el("a", { href: url, download: name, hidden: true });
          document.body.appendChild(link);
          link.click();
          document.body.removeChild(link);
          setTimeout(function () { URL.revokeObjectURL(url); }, 10000);
          H.say(box, "Đã tải tệp " + name + ".", "ok");
        });
      })
      .catch(function (error) { if (session) H.say(box, error.message, "error"); });
  }

  $("stats-form").addEventListener("submit", function (event) { event.preventDefault(); loadStats(); });
  $("xlsx-report").addEventListener("click", function () { download("xlsx"); });
  $("csv-rows").addEventListener("click", function () { download("csv", "rows"); });
  $("csv-late").addEventListener("click", function () { download("csv", "late"); });
  $("csv-backlog").addEventListener("click", function () { download("csv", "backlog"); });
  // Default: the last six months, this one included (the current month is still filling up).
  $("s-from").value = S.shiftMonth(-5);
  $("s-to").value = S.shiftMonth(0);

  // --- boot -------------------------------------------------------------------------------------
  session = loadSession();
  if (session) start();
  else logout();
})();
