/* Landing page: the feedback form (POST /api/v1/feedback, optional photo first). */
(function () {
  "use strict";
  var H = window.Hotline;
  var form = document.getElementById("feedback-form");
  if (!form) return;
  var statusBox = document.getElementById("form-status");
  var submit = document.getElementById("submit-btn");
  var content = document.getElementById("content");
  var counter = document.getElementById("content-count");
  var receipt = document.getElementById("receipt");
  // One key per filled-in form: a retried submission (double click, flaky network) is stored once.
  var idempotencyKey = H.newKey();
  var MAX_PHOTO = 5 * 1024 * 1024;

  function updateCounter() {
    var n = content.value.trim().length;
    counter.textContent = n ? n.toLocaleString("vi-VN") + " / 5.000 ký tự" : "";
  }
  content.addEventListener("input", updateCounter);
  form.addEventListener("input", function () { idempotencyKey = H.newKey(); });

  function value(id) {
    var v = document.getElementById(id).value.trim();
    return v || null;
  }

  function validate() {
    var text = content.value.trim();
    if (text.length < 10) return { field: content, message: "Nội dung cần ít nhất 10 ký tự." };
    var phone = value("contact-phone");
    if (phone && (!/^\+?[0-9 .()-]{8,20}$/.test(phone) || phone.replace(/\D/g, "").length < 8)) {
      return { field: document.getElementById("contact-phone"), message: "Số điện thoại không hợp lệ." };
    }
    var email = value("contact-email");
    if (email && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) {
      return { field: document.getElementById("contact-email"), message: "Địa chỉ thư điện tử không hợp lệ." };
    }
    var photo = document.getElementById("photo").files[0];
    if (photo && photo.size > MAX_PHOTO) {
      return { field: document.getElementById("photo"), message: "Ảnh vượt quá 5 MB, vui lòng chọn ảnh nhỏ hơn." };
    }
    return null;
  }

  function body(attachmentIds) {
    var contact = { name: value("contact-name"), phone: value("contact-phone"), email: value("contact-email") };
    var hasContact = contact.name || contact.phone || contact.email;
    Object.keys(contact).forEach(function (k) { if (contact[k] === null) delete contact[k]; });
    var data = {
      kind: form.querySelector("input[name=kind]:checked").value,
      channel: "web",
      content: content.value.trim(),
      publish_consent: document.getElementById("consent").checked
    };
    var location = value("location");
    if (location) data.location = location;
    if (hasContact) data.contact = contact;
    if (attachmentIds.length) data.attachments = attachmentIds;
    return data;
  }

  function uploadPhoto() {
    var photo = document.getElementById("photo").files[0];
    if (!photo) return Promise.resolve([]);
    var data = new FormData();
    data.append("file", photo, photo.name);
    return H.api("POST /api/v1/attachments", { form: data }).then(function (stored) { return [stored.id]; });
  }

  function showReceipt(created) {
    document.getElementById("r-code").textContent = created.code;
    document.getElementById("r-status").textContent = created.status_label || created.status;
    document.getElementById("r-agency").textContent = created.agency_name || created.agency || "Đang phân loại";
    document.getElementById("r-due").textContent = H.formatDue(created.due_at);
    document.getElementById("r-link").setAttribute("href", "/tra-cuu?ma=" + encodeURIComponent(created.code));
    form.hidden = true;
    receipt.hidden = false;
    receipt.focus();
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var problem = validate();
    if (problem) {
      H.say(statusBox, problem.message, "error");
      problem.field.setAttribute("aria-invalid", "true");
      problem.field.focus();
      return;
    }
    Array.prototype.forEach.call(form.querySelectorAll("[aria-invalid]"), function (f) { f.removeAttribute("aria-invalid"); });
    submit.disabled = true;
    H.say(statusBox, "Đang gửi…", "info");
    var key = idempotencyKey;
    uploadPhoto()
      .then(function (ids) {
        return H.api("POST /api/v1/feedback", { json: body(ids), headers: { "Idempotency-Key": key } });
      })
      .then(function (created) {
        H.say(statusBox, "", null);
        showReceipt(created);
      })
      .catch(function (error) {
        H.say(statusBox, error.message || "Chưa gửi được phản ánh, vui lòng thử lại.", "error");
      })
      .then(function () { submit.disabled = false; });
  });

  document.getElementById("another").addEventListener("click", function () {
    form.reset();
    updateCounter();
    idempotencyKey = H.newKey();
    receipt.hidden = true;
    form.hidden = false;
    content.focus();
  });
})();
