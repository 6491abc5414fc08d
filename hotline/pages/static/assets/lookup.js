/* /tra-cuu: public status of a tracking code; with the phone's last 4 digits, the details too. */
(function () {
  "use strict";
  var H = window.Hotline;
  var form = document.getElementById("lookup-form");
  var codeInput = document.getElementById("code");
  var last4Input = document.getElementById("last4");
  var statusBox = document.getElementById("lookup-status");
  var result = document.getElementById("result");
  var current = null;  // {code, last4} of the item shown

  function $(id) { return document.getElementById(id); }
  function show(id, visible) { $(id).hidden = !visible; }
  function setText(id, text) { $(id).textContent = text === null || text === undefined ? "" : String(text); }

  function render(item, withDetails) {
    setText("res-code", item.code);
    var badge = $("res-badge");
    badge.textContent = item.status_label || item.status;
    badge.className = "badge badge-" + item.status;
    show("res-overdue", !!item.overdue);
    setText("res-kind", H.kindLabel(item.kind));
    setText("res-agency", (item.agency && (item.agency.name || item.agency.code)) || "—");
    setText("res-received", H.formatDateTime(item.received_at));
    setText("res-due", H.formatDue(item.due_at));

    show("res-merged", !!item.merged_into);
    if (item.merged_into) {
      var link = $("res-merged-link");
      link.textContent = item.merged_into;
      link.setAttribute("href", "/tra-cuu?ma=" + encodeURIComponent(item.merged_into));
    }
    show("res-published", !!item.published_answer);
    setText("res-published-text", item.published_answer);
    setText("res-published-at", item.published_at ? "(" + H.formatDate(item.published_at) + ")" : "");

    var details = item.details;
    show("res-details", !!details);
    show("res-hint", !withDetails);
    if (details) {
      setText("res-content", details.content);
      show("res-location-line", !!details.location);
      setText("res-location", details.location);
      show("rate-form", !!details.can_rate);
      show("res-guidance", !!details.guidance);
      setText("res-guidance-text", details.guidance);
      show("res-answer", !!details.answer);
      setText("res-answer-text", details.answer);
      var waiting = item.status === "needs_info" && !!details.question;
      show("res-question", waiting);
      setText("res-question-text", details.question);
      H.renderTimeline($("res-timeline"), details.timeline);
    }
    result.hidden = false;
  }

  function lookup(code, last4) {
    H.say(statusBox, "Đang tra cứu…", "info");
    var query = last4 ? { phone_last4: last4 } : null;
    return H.api("GET /api/v1/feedback/{code}", { params: { code: code }, query: query })
      .then(function (item) {
        current = { code: code, last4: last4 };
        H.say(statusBox, "", null);
        render(item, !!last4);
        // Keep only the (non-personal) code in the address so the page can be bookmarked.
        if (window.history && window.history.replaceState) {
          window.history.replaceState(null, "", "/tra-cuu?ma=" + encodeURIComponent(code));
        }
        result.focus();
      })
      .catch(function (error) {
        result.hidden = true;
        H.say(statusBox, error.status === 404
          ? "Không tìm thấy phản ánh với mã " + code + ". Vui lòng kiểm tra lại mã."
          : error.message, "error");
      });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var code = H.normalizeCode(codeInput.value);
    if (!code) {
      H.say(statusBox, "Mã theo dõi không đúng dạng. Ví dụ đúng: PA-2026-000123.", "error");
      codeInput.setAttribute("aria-invalid", "true");
      codeInput.focus();
      return;
    }
    codeInput.removeAttribute("aria-invalid");
    codeInput.value = code;
    var last4 = last4Input.value.trim();
    if (last4 && !/^[0-9]{4}$/.test(last4)) {
      H.say(statusBox, "Vui lòng nhập đúng 4 chữ số cuối của số điện thoại.", "error");
      last4Input.setAttribute("aria-invalid", "true");
      last4Input.focus();
      return;
    }
    last4Input.removeAttribute("aria-invalid");
    lookup(code, last4 || null);
  });

  $("info-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var info = $("info").value.trim();
    var box = $("info-status");
    if (!current || !current.last4) return;
    if (!info) {
      H.say(box, "Vui lòng nhập thông tin bổ sung.", "error");
      return;
    }
    H.api("POST /api/v1/feedback/{code}/provide-info", {
      params: { code: current.code }, json: { info: info, phone_last4: current.last4 }
    }).then(function () {
      $("info").value = "";
      H.say(box, "", null);
      return lookup(current.code, current.last4).then(function () {
        H.say(statusBox, "Đã gửi thông tin bổ sung. Cơ quan sẽ tiếp tục xử lý.", "ok");
      });
    }).catch(function (error) { H.say(box, error.message, "error"); });
  });

  document.querySelectorAll("input[name=rate]").forEach(function (radio) {
    radio.addEventListener("change", function () { show("rate-reason-field", radio.value === "no" && radio.checked); });
  });

  $("rate-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var box = $("rate-status");
    var chosen = document.querySelector("input[name=rate]:checked");
    if (!current || !current.last4) return;
    if (!chosen) { H.say(box, "Vui lòng chọn Hài lòng hoặc Không hài lòng.", "error"); return; }
    var satisfied = chosen.value === "yes";
    var reason = $("rate-reason").value.trim();
    if (!satisfied && reason.length < 3) { H.say(box, "Vui lòng cho biết vì sao bạn chưa hài lòng.", "error"); return; }
    var body = { satisfied: satisfied, phone_last4: current.last4 };
    if (!satisfied) body.reason = reason;
    H.api("POST /api/v1/feedback/{code}/satisfaction", { params: { code: current.code }, json: body })
      .then(function (result) {
        H.say(box, "", null);
        $("rate-reason").value = "";
        return lookup(current.code, current.last4).then(function () {
          H.say(statusBox, satisfied ? "Cảm ơn bạn đã đánh giá."
            : "Đã ghi nhận bạn chưa hài lòng. Phản ánh được mở lại; " + (result.agency_name || "cơ quan xử lý") +
              " trả lời lại chậm nhất " + H.formatDue(result.due_at) + ".", "ok");
        });
      })
      .catch(function (error) { H.say(box, error.message, "error"); });
  });

  var preset = H.normalizeCode(new URLSearchParams(window.location.search).get("ma"));
  if (preset) {
    codeInput.value = preset;
    lookup(preset, null);
  }
})();
