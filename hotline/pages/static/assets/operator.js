/* /can-bo#ho-tro: the operator console for chat handoffs. Queue with waiting time, the conversation,
 * take over (the bot stays silent), reply on the citizen's channel, hand back to the bot.
 * Uses the staff console's authenticated `call`; all text goes in through textContent (Hotline.el).
 */
(function () {
  "use strict";
  var H = window.Hotline;
  var el = H.el;
  var POLL_MS = 4000;
  var call = null;
  var timer = null;
  var countTimer = null;
  var current = null;  // id of the conversation shown
  var me = null;

  function $(id) { return document.getElementById(id); }

  function duration(seconds) {
    if (seconds === null || seconds === undefined) return "";
    if (seconds < 60) return seconds + " giây";
    var minutes = Math.floor(seconds / 60);
    if (minutes < 60) return minutes + " phút";
    return Math.floor(minutes / 60) + " giờ " + (minutes % 60) + " phút";
  }

  function describe(row) {
    if (row.held_by) return (row.held_by === me ? "Bạn đang hỗ trợ" : "Đang do " + row.held_by + " hỗ trợ") + " · " + duration(row.held_seconds);
    return "Đang chờ " + duration(row.waiting_seconds);
  }

  function loadQueue() {
    return call("GET /api/v1/handoffs").then(function (data) {
      me = data.me;
      var queue = H.clear($("handoff-queue"));
      H.say($("handoff-status"), data.items.length ? "" : "Không có người dân nào đang chờ tổng đài viên.", data.items.length ? null : "info");
      data.items.forEach(function (row) {
        queue.appendChild(el("li", null, el("button", {
          type: "button", "aria-current": String(row.id === current), "data-id": row.id,
          onclick: function () { open(row.id); }
        }, [el("strong", { text: row.channel_label }), " — " + describe(row),
            row.last_message ? el("div", { className: "muted small", text: row.last_message }) : null])));
      });
      if (current && !data.items.some(function (r) { return r.id === current; })) {
        current = null;
        $("handoff-conv").hidden = true;
      }
    }).catch(function (error) { H.say($("handoff-status"), error.message, "error"); });
  }

  var SENDER = { citizen: "Người dân", bot: "Trợ lý ảo", operator: "Tổng đài viên" };

  function renderConversation(conv) {
    $("handoff-conv").hidden = false;
    $("hc-title").textContent = "Cuộc trò chuyện qua " + conv.channel_label;
    var mine = conv.held_by === me;
    $("hc-state").textContent = conv.held_by
      ? (mine ? "Bạn đang hỗ trợ; trợ lý ảo đang im lặng." : "Đang do " + conv.held_by + " hỗ trợ.")
      : "Người dân đang chờ. Nhận hỗ trợ để trả lời.";
    $("hc-take").hidden = !!conv.held_by;
    $("hc-release").hidden = !conv.held_by;
    $("hc-form").hidden = !mine;
    var log = H.clear($("hc-log"));
    conv.messages.forEach(function (m) {
      log.appendChild(el("li", { className: "from-" + m.sender }, [
        el("small", { text: (SENDER[m.sender] || m.sender) + " · " + H.formatDateTime(m.at) }), m.text
      ]));
    });
    log.scrollTop = log.scrollHeight;
  }

  function open(id) {
    current = id;
    return call("GET /api/v1/handoffs/{ref}", { params: { ref: id } }).then(function (conv) {
      renderConversation(conv);
      Array.prototype.forEach.call(document.querySelectorAll("#handoff-queue button"), function (b) {
        b.setAttribute("aria-current", String(b.getAttribute("data-id") === id));
      });
    }).catch(function (error) { H.say($("handoff-status"), error.message, "error"); });
  }

  function refresh() {
    return loadQueue().then(function () { if (current) return open(current); });
  }

  function act(spec, message) {
    if (!current) return;
    var box = $("hc-form-status");
    call(spec, { params: { ref: current } }).then(function () {
      return refresh().then(function () { H.say($("handoff-status"), message, "ok"); });
    }).catch(function (error) { H.say($("handoff-status"), error.message, "error"); });
    H.say(box, "", null);
  }

  $("hc-take").addEventListener("click", function () { act("POST /api/v1/handoffs/{ref}/take", "Bạn đã nhận hỗ trợ; trợ lý ảo tạm im lặng."); });
  $("hc-release").addEventListener("click", function () { act("POST /api/v1/handoffs/{ref}/release", "Đã trả cuộc trò chuyện cho trợ lý ảo."); });
  $("hc-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var text = $("hc-text").value.trim();
    var box = $("hc-form-status");
    if (!text) { H.say(box, "Vui lòng nhập nội dung trả lời.", "error"); return; }
    $("hc-send").disabled = true;
    call("POST /api/v1/handoffs/{ref}/reply", { params: { ref: current }, json: { text: text } }).then(function () {
      $("hc-text").value = "";
      H.say(box, "", null);
      return open(current);
    }).catch(function (error) { H.say(box, error.message, "error"); })
      .then(function () { $("hc-send").disabled = false; });
  });

  function start(authCall) {
    call = authCall;
    stop();
    refresh();
    timer = setInterval(refresh, POLL_MS);
  }

  function stop() {
    if (timer) clearInterval(timer);
    timer = null;
  }

  /** The number of citizens waiting, on the tab, refreshed every half minute. */
  function watchCount(authCall, badge) {
    var update = function () {
      authCall("GET /api/v1/handoffs").then(function (data) {
        var waiting = data.items.filter(function (r) { return !r.held_by; }).length;
        badge.hidden = !waiting;
        badge.textContent = String(waiting);
      }).catch(function () { badge.hidden = true; });
    };
    if (countTimer) clearInterval(countTimer);
    update();
    countTimer = setInterval(update, 30000);
  }

  window.HotlineOperator = { start: start, stop: stop, watchCount: watchCount, duration: duration };
})();
