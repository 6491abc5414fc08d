/* Shared helpers for the 1022 pages: API calls, safe DOM building, Vietnamese formatting.
 *
 * Every API endpoint is written as one literal "METHOD /api/v1/path/{param}" so that the test suite can
 * compare them with the server's OpenAPI schema. API text only ever reaches the page through
 * textContent (see el()), never as HTML.
 */
(function (root) {
  "use strict";

  var TZ = "Asia/Ho_Chi_Minh";
  var CODE_RE = /^PA-\d{4}-\d{6}$/;

  var KIND_LABELS = { complaint: "Phản ánh", recommendation: "Kiến nghị" };
  var CHANNEL_LABELS = {
    web: "Trang web", telegram: "Telegram", zalo: "Zalo", phone: "Điện thoại",
    email: "Thư điện tử", walk_in: "Trực tiếp"
  };
  var ACTION_LABELS = {
    receive: "Tiếp nhận", assign: "Giao cơ quan xử lý", start: "Bắt đầu xử lý", transfer: "Chuyển cơ quan khác",
    return_to_coordinator: "Trả lại đầu mối", request_info: "Yêu cầu bổ sung thông tin",
    provide_info: "Bổ sung thông tin", answer: "Trả lời", publish: "Công khai", close: "Đóng",
    reject: "Không thuộc phạm vi xử lý", merge: "Gộp trùng lặp", edit_publication: "Sửa nội dung công khai",
    reopen: "Mở lại (công dân chưa hài lòng)", claim: "Phân công cán bộ", note: "Ghi chú nội bộ",
    satisfied: "Công dân hài lòng", unsatisfied: "Công dân chưa hài lòng"
  };
  // Audit actions that leave the status as it was: no "→ status" after them.
  var NO_STATUS_CHANGE = ["claim", "note", "satisfied", "unsatisfied", "edit_publication"];
  var STATUS_MESSAGES = {
    0: "Không kết nối được máy chủ. Vui lòng kiểm tra mạng và thử lại, hoặc gọi tổng đài 1022.",
    401: "Bạn cần đăng nhập lại.",
    403: "Bạn không có quyền thực hiện thao tác này.",
    404: "Không tìm thấy dữ liệu được yêu cầu.",
    409: "Yêu cầu xung đột với trạng thái hiện tại.",
    413: "Dữ liệu gửi lên quá lớn.",
    422: "Dữ liệu không hợp lệ.",
    429: "Bạn gửi quá nhiều yêu cầu, vui lòng thử lại sau ít phút."
  };

  /**
   * Normalise what a citizen types into a tracking code: "pa 2026 12", "PA2026000012", "pa-2026-12" ->
   * "PA-2026-000012". Mirrors common/tracking.py normalize_tracking_code (a test compares them).
   */
  function normalizeCode(text) {
    text = String(text || "");
    if (text.length > 64) return null;
    var m = /^\s*pa[\s\-_.\/–—:#]*([0-9]{4})[\s\-_.\/–—:#]*([0-9]{1,6})\s*$/i.exec(text);
    if (!m) return null;
    return "PA-" + m[1] + "-" + ("000000" + m[2]).slice(-6);
  }

  /** Fill "{name}" placeholders of an endpoint path, each value URL-encoded. */
  function fillPath(path, params) {
    return path.replace(/\{(\w+)\}/g, function (_, name) {
      if (!params || params[name] === undefined || params[name] === null) {
        throw new Error("missing path parameter " + name);
      }
      return encodeURIComponent(String(params[name]));
    });
  }

  /** An endpoint literal ("METHOD /path/{param}") + params + query -> {method, url}. */
  function endpoint(spec, params, query) {
    var parts = String(spec).split(" ");
    var url = fillPath(parts[1], params);
    var qs = buildQuery(query);
    return { method: parts[0], url: qs ? url + "?" + qs : url };
  }

  function buildQuery(query) {
    if (!query) return "";
    var pairs = [];
    Object.keys(query).forEach(function (key) {
      var value = query[key];
      if (value === undefined || value === null || value === "" || value === false) return;
      pairs.push(encodeURIComponent(key) + "=" + encodeURIComponent(String(value)));
    });
    return pairs.join("&");
  }

  /** The Vietnamese message to show for an API error response (status + parsed body). */
  function errorMessage(status, body) {
    if (body && typeof body.detail === "string" && body.detail.trim()) return body.detail;
    if (body && Array.isArray(body.detail) && body.detail.length) {
      return STATUS_MESSAGES[422];
    }
    if (STATUS_MESSAGES[status]) return STATUS_MESSAGES[status];
    if (status >= 500) return "Hệ thống đang gặp sự cố, vui lòng thử lại sau hoặc gọi tổng đài 1022.";
    return "Đã có lỗi xảy ra (mã " + status + ").";
  }

  function ApiError(status, body) {
    this.name = "ApiError";
    this.status = status;
    this.body = body;
    this.code = body && body.code;
    this.message = errorMessage(status, body);
  }
  ApiError.prototype = Object.create(Error.prototype);

  /**
   * Call the API. options: params (path), query, json (body), form (URLSearchParams/FormData),
   * token (bearer), headers, raw (return the Response itself, e.g. for CSV).
   */
  function api(spec, options) {
    options = options || {};
    var target = endpoint(spec, options.params, options.query);
    var headers = Object.assign({ Accept: "application/json" }, options.headers || {});
    var init = { method: target.method, headers: headers, credentials: "same-origin" };
    if (options.token) headers.Authorization = "Bearer " + options.token;
    if (options.json !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(options.json);
    } else if (options.form !== undefined) {
      init.body = options.form;  // the browser sets the right Content-Type
    }
    return fetch(target.url, init).then(function (response) {
      if (options.raw && response.ok) return response;
      return response.text().then(function (text) {
        var body = null;
        if (text) {
          try { body = JSON.parse(text); } catch (e) { body = null; }
        }
        if (!response.ok) throw new ApiError(response.status, body);
        return body;
      });
    }, function () {
      throw new ApiError(0, null);
    });
  }

  /** Build an element; children may be strings (inserted as text) or nodes. Never parses HTML. */
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (key) {
        var value = attrs[key];
        if (value === undefined || value === null || value === false) return;
        if (key === "text") node.textContent = String(value);
        else if (key === "className") node.className = value;
        else if (key.slice(0, 2) === "on" && typeof value === "function") node.addEventListener(key.slice(2), value);
        else node.setAttribute(key, value === true ? "" : String(value));
      });
    }
    appendAll(node, children);
    return node;
  }

  function appendAll(node, children) {
    if (children === undefined || children === null) return node;
    if (!Array.isArray(children)) children = [children];
    children.forEach(function (child) {
      if (child === undefined || child === null || child === false) return;
      node.appendChild(typeof child === "string" || typeof child === "number"
        ? document.createTextNode(String(child)) : child);
    });
    return node;
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
    return node;
  }

  function parseDate(iso) {
    if (!iso) return null;
    // Keep milliseconds only: some browsers reject microsecond fractions.
    var d = new Date(String(iso).replace(/(\.\d{3})\d+/, "$1"));
    return isNaN(d.getTime()) ? null : d;
  }

  function formatDate(iso) {
    var d = parseDate(iso);
    if (!d) return "—";
    return new Intl.DateTimeFormat("vi-VN", { timeZone: TZ, day: "2-digit", month: "2-digit", year: "numeric" }).format(d);
  }

  function formatDateTime(iso) {
    var d = parseDate(iso);
    if (!d) return "—";
    return new Intl.DateTimeFormat("vi-VN", {
      timeZone: TZ, day: "2-digit", month: "2-digit", year: "numeric", hour: "2-digit", minute: "2-digit", hour12: false
    }).format(d);
  }

  /** Deadlines fall at the end of a working day (23:59:59 local): say so instead of a clock time. */
  function formatDue(iso) {
    var d = parseDate(iso);
    if (!d) return "—";
    return "hết ngày " + formatDate(iso);
  }

  function formatPercent(rate) {
    if (rate === null || rate === undefined || isNaN(rate)) return "—";
    return (Math.round(rate * 1000) / 10).toLocaleString("vi-VN") + " %";
  }

  function actionLabel(action) { return ACTION_LABELS[action] || action || "—"; }

  /** Fill an <ol> with timeline entries {at, action, status_label, agency, reason}; agencyName(code) optional. */
  function renderTimeline(list, entries, agencyName) {
    clear(list);
    (entries || []).forEach(function (entry) {
      if (entry.text) {  // the citizen's timeline: one plain sentence per step
        list.appendChild(el("li", null, [el("time", { datetime: entry.at, text: formatDateTime(entry.at) }), " — ", entry.text]));
        return;
      }
      var agency = entry.agency ? (agencyName ? agencyName(entry.agency) : entry.agency) : null;
      list.appendChild(el("li", null, [
        el("time", { datetime: entry.at, text: formatDateTime(entry.at) }),
        " — ",
        el("strong", { text: actionLabel(entry.action) }),
        entry.status_label && NO_STATUS_CHANGE.indexOf(entry.action) < 0 ? " → " + entry.status_label : null,
        agency ? el("span", { className: "muted", text: " (" + agency + ")" }) : null,
        entry.actor && ["system", "citizen"].indexOf(entry.actor) < 0 ? el("span", { className: "muted", text: " · " + entry.actor }) : null,
        entry.reason ? el("div", { className: "reason", text: entry.reason }) : null
      ]));
    });
    return list;
  }

  function kindLabel(kind) { return KIND_LABELS[kind] || kind || "—"; }
  function channelLabel(channel) { return CHANNEL_LABELS[channel] || channel || "—"; }

  /** Show a message in a status box (role=status/alert set in the HTML); kind: "error" | "ok" | "info". */
  function say(box, message, kind) {
    if (!box) return;
    box.hidden = !message;
    box.className = "notice" + (kind ? " notice-" + kind : "");
    box.textContent = message || "";
  }

  function newKey() {
    if (root.crypto && root.crypto.randomUUID) return root.crypto.randomUUID();
    var bytes = new Uint8Array(16);
    if (root.crypto && root.crypto.getRandomValues) root.crypto.getRandomValues(bytes);
    else for (var i = 0; i < 16; i++) bytes[i] = Math.floor(Math.random() * 256);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  /** Mark the current page in the navigation. */
  function markNav() {
    if (typeof document === "undefined") return;
    var here = root.location.pathname.replace(/\/+$/, "") || "/";
    Array.prototype.forEach.call(document.querySelectorAll("nav.site a"), function (a) {
      var target = a.getAttribute("href");
      if (target === here) a.setAttribute("aria-current", "page");
    });
  }

  var Hotline = {
    TZ: TZ,
    CODE_RE: CODE_RE,
    normalizeCode: normalizeCode,
    fillPath: fillPath,
    endpoint: endpoint,
    buildQuery: buildQuery,
    errorMessage: errorMessage,
    ApiError: ApiError,
    api: api,
    el: el,
    appendAll: appendAll,
    clear: clear,
    parseDate: parseDate,
    formatDate: formatDate,
    formatDateTime: formatDateTime,
    formatDue: formatDue,
    formatPercent: formatPercent,
    kindLabel: kindLabel,
    actionLabel: actionLabel,
    renderTimeline: renderTimeline,
    channelLabel: channelLabel,
    say: say,
    newKey: newKey
  };

  if (typeof module !== "undefined" && module.exports) {
    module.exports = Hotline;
  } else {
    root.Hotline = Hotline;
    if (typeof document !== "undefined") {
      if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", markNav);
      else markNav();
    }
  }
})(typeof window !== "undefined" ? window : globalThis);
