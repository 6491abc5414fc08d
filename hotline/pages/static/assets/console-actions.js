/* Staff console rules kept apart from the DOM code: which actions each role may offer, the form of each
 * action (fields -> the JSON body of its endpoint) and the body builder. Loadable in Node for the tests,
 * which compare it with feedback_api's permission matrix, status labels and OpenAPI request bodies.
 */
(function (root) {
  "use strict";
  var normalizeCode = (root.Hotline || (typeof require === "function" ? require("./common.js") : {})).normalizeCode;

  // Mirrors feedback_api/permissions.py MATRIX (lifecycle actions + edit_publication); a test keeps them equal.
  var ROLE_ACTIONS = /*ROLE_ACTIONS*/{
    "operator": ["assign", "merge", "provide_info", "reject", "reopen", "return_to_coordinator", "transfer"],
    "staff": ["answer", "edit_publication", "provide_info", "request_info", "return_to_coordinator", "start"],
    "supervisor": ["answer", "assign", "close", "edit_publication", "merge", "provide_info", "publish", "reject",
                   "reopen", "request_info", "return_to_coordinator", "start", "transfer"],
    "admin": ["answer", "assign", "close", "edit_publication", "merge", "provide_info", "publish", "reject",
              "reopen", "request_info", "return_to_coordinator", "start", "transfer"]
  }/*END*/;

  // Mirrors feedback_api/lifecycle.py STATUS_LABELS; a test keeps them equal.
  var STATUS_LABELS = /*STATUS_LABELS*/{
    "received": "Đã tiếp nhận",
    "assigned": "Đã chuyển cơ quan xử lý",
    "in_progress": "Đang xử lý",
    "answered": "Đã trả lời",
    "published": "Đã công khai",
    "closed": "Đã đóng",
    "transferred": "Đã chuyển cơ quan khác",
    "returned": "Trả lại đầu mối",
    "needs_info": "Chờ bổ sung thông tin",
    "rejected": "Không thuộc phạm vi xử lý",
    "merged": "Trùng lặp, đã gộp"
  }/*END*/;

  var ROLE_LABELS = { operator: "Điều phối viên 1022", staff: "Cán bộ cơ quan", supervisor: "Lãnh đạo", admin: "Quản trị" };

  function agencyField(required) {
    return { name: "agency", label: "Cơ quan nhận", type: "agency", required: required };
  }
  function reasonField(required, label) {
    return { name: "reason", label: label || "Lý do", type: "textarea", required: required, min: required ? 3 : 0 };
  }

  // Action -> endpoint and form. Order is the order of the buttons.
  var ACTIONS = {
    start: { endpoint: "POST /api/v1/feedback/{code}/start", label: "Bắt đầu xử lý", fields: [] },
    answer: {
      endpoint: "POST /api/v1/feedback/{code}/answer", label: "Trả lời",
      fields: [{ name: "answer", label: "Nội dung trả lời công dân", type: "textarea", rows: 8, required: true, min: 10 }]
    },
    request_info: {
      endpoint: "POST /api/v1/feedback/{code}/request-info", label: "Yêu cầu bổ sung thông tin",
      note: "Thời hạn tạm dừng cho đến khi công dân bổ sung.",
      fields: [{ name: "question", label: "Câu hỏi gửi công dân", type: "textarea", required: true, min: 3 }]
    },
    provide_info: {
      endpoint: "POST /api/v1/feedback/{code}/provide-info", label: "Ghi nhận thông tin bổ sung",
      fields: [{ name: "info", label: "Thông tin công dân bổ sung", type: "textarea", required: true, min: 1 }]
    },
    assign: {
      endpoint: "POST /api/v1/feedback/{code}/assign", label: "Giao cơ quan xử lý",
      fields: [agencyField(true), reasonField(false, "Ghi chú (không bắt buộc)")]
    },
    transfer: {
      endpoint: "POST /api/v1/feedback/{code}/transfer", label: "Chuyển cơ quan khác",
      fields: [agencyField(true), reasonField(true, "Lý do chuyển")]
    },
    return_to_coordinator: {
      endpoint: "POST /api/v1/feedback/{code}/return", label: "Trả lại đầu mối (không đúng thẩm quyền)",
      fields: [reasonField(true, "Lý do trả lại")]
    },
    publish: {
      endpoint: "POST /api/v1/feedback/{code}/publish", label: "Công khai",
      note: "Thông tin cá nhân được tự động ẩn khi công khai. Có thể sửa lời văn trước khi công khai.",
      fields: [
        { name: "text", label: "Nội dung công khai (để trống: dùng câu trả lời)", type: "textarea", rows: 8, min: 10,
          prefill: function (item) { return item.answer || ""; } },
        { name: "public_interest", label: "Công khai vì lợi ích cộng đồng (công dân chưa đồng ý)", type: "checkbox",
          when: function (item) { return !item.publish_consent; } },
        { name: "reason", label: "Lý do công khai vì lợi ích cộng đồng", type: "textarea",
          when: function (item) { return !item.publish_consent; } }
      ]
    },
    edit_publication: {
      endpoint: "POST /api/v1/feedback/{code}/publication", label: "Sửa nội dung công khai",
      fields: [{ name: "text", label: "Nội dung công khai mới", type: "textarea", rows: 8, required: true, min: 10,
                 prefill: function (item) { return item.published_text || ""; } }]
    },
    reject: {
      endpoint: "POST /api/v1/feedback/{code}/reject", label: "Từ chối (không thuộc phạm vi)",
      fields: [reasonField(true, "Lý do"),
               { name: "guidance", label: "Hướng dẫn công dân (ví dụ: nơi nộp đơn khiếu nại)", type: "textarea", required: true, min: 3 }]
    },
    merge: {
      endpoint: "POST /api/v1/feedback/{code}/merge", label: "Gộp vào phản ánh trùng",
      fields: [{ name: "into", label: "Mã phản ánh gộp vào", type: "code", required: true }, reasonField(false, "Ghi chú (không bắt buộc)")]
    },
    reopen: {
      endpoint: "POST /api/v1/feedback/{code}/reopen", label: "Mở lại (công dân chưa hài lòng)",
      note: "Phản ánh trở lại cơ quan đã trả lời, với thời hạn trả lời mới.",
      fields: [reasonField(true, "Lý do công dân chưa hài lòng")]
    },
    close: { endpoint: "POST /api/v1/feedback/{code}/close", label: "Đóng", fields: [reasonField(false, "Ghi chú (không bắt buộc)")] }
  };

  /** Actions offered for `item`: allowed by its status (server's allowed_actions) and by `role`. */
  function availableActions(item, role) {
    var mine = ROLE_ACTIONS[role] || [];
    var allowed = (item.allowed_actions || []).slice();
    if (item.status === "published") allowed.push("edit_publication");
    return Object.keys(ACTIONS).filter(function (name) {
      return allowed.indexOf(name) >= 0 && mine.indexOf(name) >= 0;
    });
  }

  /** Fields shown for `item` (some only apply, e.g., when the citizen did not consent to publication). */
  function fieldsFor(name, item) {
    return ACTIONS[name].fields.filter(function (f) { return !f.when || f.when(item); });
  }

  /**
   * The JSON body of an action from its fields; read(field) gives the entered value (boolean for checkboxes).
   * Returns {body} or {error: Vietnamese message}.
   */
  function collectBody(fields, read) {
    var body = {};
    for (var i = 0; i < fields.length; i++) {
      var field = fields[i];
      if (field.type === "checkbox") {
        if (read(field) === true) body[field.name] = true;
        continue;
      }
      var value = String(read(field) || "").trim();
      if (field.type === "code" && value) {
        var code = normalizeCode(value);
        if (!code) return { error: "Mã phản ánh không đúng dạng (ví dụ PA-2026-000123)." };
        value = code;
      }
      if (!value) {
        if (field.required) return { error: "Vui lòng nhập “" + field.label + "”." };
        continue;
      }
      if (field.min && value.length < field.min) {
        return { error: "“" + field.label + "” cần ít nhất " + field.min + " ký tự." };
      }
      body[field.name] = value;
    }
    if (body.public_interest && !body.reason) {
      return { error: "Công khai vì lợi ích cộng đồng cần nêu lý do." };
    }
    return { body: body };
  }

  var INTAKE_ROLES = ["operator", "supervisor", "admin"];  // permissions.Extra.intake / log_call

  /** "2026-03-02T08:30" typed in Vietnam -> "2026-03-02T08:30:00+07:00" (the country has no DST). */
  function localToIso(value) {
    var m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(:\d{2})?$/.exec(String(value || "").trim());
    return m ? m[1] + "T" + m[2] + (m[3] || ":00") + "+07:00" : null;
  }

  /**
   * The POST /api/v1/feedback body for a call or visit logged by an operator: values has kind, channel,
   * content, location, name, phone, email, publish_consent (boolean) and received_at (datetime-local).
   */
  function intakeBody(values, now) {
    var text = function (key) { return String(values[key] || "").trim(); };
    var content = text("content");
    if (content.length < 10) return { error: "Nội dung cần ít nhất 10 ký tự." };
    var body = { kind: values.kind, channel: values.channel, content: content, publish_consent: values.publish_consent === true };
    if (text("location")) body.location = text("location");
    var contact = {};
    ["name", "phone", "email"].forEach(function (key) { if (text(key)) contact[key] = text(key); });
    if (Object.keys(contact).length) body.contact = contact;
    if (text("received_at")) {
      var iso = localToIso(text("received_at"));
      if (!iso) return { error: "Thời điểm tiếp nhận không hợp lệ." };
      if (new Date(iso).getTime() > (now || Date.now()) + 60000) {
        return { error: "Thời điểm tiếp nhận không được ở tương lai." };
      }
      body.received_at = iso;
    }
    return { body: body };
  }

  var api = {
    INTAKE_ROLES: INTAKE_ROLES,
    localToIso: localToIso,
    intakeBody: intakeBody,
    ROLE_ACTIONS: ROLE_ACTIONS,
    STATUS_LABELS: STATUS_LABELS,
    ROLE_LABELS: ROLE_LABELS,
    ACTIONS: ACTIONS,
    availableActions: availableActions,
    fieldsFor: fieldsFor,
    collectBody: collectBody
  };
  if (typeof module !== "undefined" && module.exports) module.exports = api;
  else root.HotlineConsole = api;
})(typeof window !== "undefined" ? window : globalThis);
