"""The feedback (PAKN) form: content → place → name? → phone? → photo? → consent → summary + confirm.

The form lives in the conversation state (so it survives a restart); "hủy" cancels, "sửa <mục>" goes
back to one field and then on to the first unanswered step (the summary when everything was answered).
On confirm the item is POSTed to the feedback API with an Idempotency-Key derived from the conversation
and the form id, so a retry after a timeout never creates a second item.
"""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot import texts
from bot.client import AgencyRef, Contact, FeedbackApiError, FeedbackSubmission, ReplyTo
from bot.messages import Button, Reply
from bot.rules import (
    FIELD_WORDS,
    extract_phone,
    infer_kind,
    is_cancel,
    is_confirm,
    is_skip,
    is_submit_request,
    looks_like_content,
    mask_phone,
    parse_edit,
    parse_yes_no,
    strip_feedback_lead_in,
)
from bot.turn import Turn
from knowledge_base.grievance import detect_grievance, guidance_text
from nlu.normalize import fold

log = logging.getLogger(__name__)

STEPS = ("content", "location", "name", "phone", "photo", "consent", "confirm")
CONTENT_MIN_WORDS = 4
CONTENT_MAX_CHARS = 5000
MAX_PHOTOS = 3

_SKIP_BUTTONS = [Button(texts.BTN_SKIP, "/skip"), Button(texts.BTN_CANCEL, "/cancel")]


def is_active(turn: Turn) -> bool:
    return bool(turn.state.get("form"))


def start(turn: Turn, first_text: str = "") -> list[Reply]:
    form: dict[str, Any] = {"id": uuid.uuid4().hex, "step": "content", "done": [], "data": {"attachments": []}}
    form["data"]["kind"] = infer_kind(first_text) if first_text else "complaint"
    turn.state["form"] = form
    content = strip_feedback_lead_in(first_text)
    if not content and first_text and detect_grievance(first_text):  # "tố cáo cán bộ ...": the text is the content
        content = first_text.strip()
    if content and looks_like_content(content) and len(content) <= CONTENT_MAX_CHARS:
        form["data"]["content"] = content
        form["done"].append("content")
        form["step"] = _next_step(form)
        _check_grievance(form, first_text)  # "khiếu nại quyết định ...": the lead-in word counts too
    reply = _prompt(turn, form["step"])
    return [Reply(texts.FORM_START + reply.text, reply.buttons)]


async def handle(turn: Turn) -> list[Reply]:
    form: dict[str, Any] = turn.state["form"]
    text = turn.text
    command = (turn.inbound.payload or (text if text.startswith("/") else "")).strip()

    if is_cancel(text) or command == "/cancel":
        turn.state.pop("form", None)
        return [Reply(texts.CANCELLED)]

    if command.startswith("/edit "):
        edit_field = command.split(maxsplit=1)[1] if command.split(maxsplit=1)[1] in FIELD_WORDS else None
    else:
        edit_field = parse_edit(text)
    if edit_field:
        if edit_field == "photo":  # choosing the photos again starts from none
            form["data"]["attachments"] = []
        form["step"] = edit_field
        if edit_field in form["done"]:
            form["done"].remove(edit_field)
        form["done"] = [s for s in form["done"] if s != "confirm"]
        return [_prompt(turn, edit_field)]
    if command == "/edit" or fold(text).strip() in ("sua", "chinh sua", "sua lai"):
        return [Reply(texts.EDIT_WHICH, _edit_buttons())]

    step = form["step"]
    if step != "photo":  # an image sent at another step (an album, or early) is kept all the same
        saved = await _attach(turn, form, command)
        if saved is not None:
            return [saved, _prompt(turn, step)]
    if command and step in ("content", "location", "name", "phone") and command != "/skip":
        return [_prompt(turn, step)]  # a stale button is not a value: ask again
    handler = _HANDLERS[step]
    replies = await handler(turn, form, command)
    if turn.state.get("form") is form and form["step"] != step and form["step"] != "done":
        replies.append(_prompt(turn, form["step"]))
    return replies


# --- step handlers: each validates, stores and advances (or explains what is wrong) ---------------
async def _content(turn: Turn, form: dict, command: str) -> list[Reply]:
    text = turn.inbound.text.strip()
    if len(text) > CONTENT_MAX_CHARS:
        return [Reply(texts.CONTENT_TOO_LONG.format(limit=CONTENT_MAX_CHARS))]
    if is_submit_request(text):  # "tôi muốn phản ánh" again: not yet the content
        return [Reply(texts.ASK_CONTENT, [Button(texts.BTN_CANCEL, "/cancel")])]
    if len(fold(text).split()) < CONTENT_MIN_WORDS or len(text) < 10:
        return [Reply(texts.CONTENT_TOO_SHORT, [Button(texts.BTN_CANCEL, "/cancel")])]
    form["data"]["content"] = text
    form["data"].pop("confirmed_pakn", None)  # new content: asked again if it reads as a khiếu nại
    if "kind_set" not in form["data"]:
        form["data"]["kind"] = infer_kind(text) if infer_kind(text) == "recommendation" else form["data"]["kind"]
    replies = _advance(form, "content")
    _check_grievance(form)
    return replies


# --- khiếu nại / tố cáo: not a PAKN unless the citizen says it is ---------------------------------------
GRIEVANCE_GUIDE, GRIEVANCE_PAKN = "/grievance guide", "/grievance pakn"
_GUIDE_WORDS = ("huong dan", "khieu nai", "to cao", "co", "dung", "phai", "dung vay", "dung roi", "ok")
_PAKN_WORDS = ("phan anh", "kien nghi", "gui tiep", "gop y")


def _check_grievance(form: dict, whole_text: str = "") -> None:
    """Content that reads as a khiếu nại or tố cáo: ask before going on (the API would refuse it too)."""
    found = detect_grievance(form["data"].get("content")) or (detect_grievance(whole_text) if whole_text else None)
    if found is None or form["data"].get("confirmed_pakn"):
        form["data"].pop("grievance", None)
        return
    form["data"]["grievance"] = {"kind": found.kind, "label": found.label, "cue": found.cue}
    form["resume"] = form["step"]
    form["step"] = "grievance"


async def _grievance(turn: Turn, form: dict, command: str) -> list[Reply]:
    words = f" {fold(command or turn.text).strip()} "
    pakn = command == GRIEVANCE_PAKN or (
        not command and (words.startswith(" khong ") or any(f" {w} " in words for w in _PAKN_WORDS))
    )
    guide = command == GRIEVANCE_GUIDE or (
        not command and (any(f" {w} " in words for w in _GUIDE_WORDS[:3]) or words.strip() in _GUIDE_WORDS[3:])
    )
    if pakn:
        form["data"]["confirmed_pakn"] = True
        form["data"].pop("grievance", None)
        form["step"] = form.pop("resume", None) or _next_step(form)
        if form["step"] == "grievance":
            form["step"] = _next_step(form)
        return []
    if guide:
        kind = form["data"]["grievance"]["kind"]
        turn.state.pop("form", None)  # not taken in as PAKN
        return [
            Reply(guidance_text(kind) + "\n\n" + texts.GRIEVANCE_AFTER_GUIDE, [Button(texts.BTN_FEEDBACK, "/feedback")])
        ]
    return [_prompt(turn, "grievance")]


async def _location(turn: Turn, form: dict, command: str) -> list[Reply]:
    text = turn.text
    if len(fold(text).replace(" ", "")) < 3:
        return [Reply(texts.LOCATION_TOO_SHORT, [Button(texts.BTN_CANCEL, "/cancel")])]
    form["data"]["location"] = text[:500]
    return _advance(form, "location")


async def _name(turn: Turn, form: dict, command: str) -> list[Reply]:
    if command == "/skip" or is_skip(turn.text):
        form["data"]["name"] = None
        return _advance(form, "name")
    name = " ".join(turn.text.split())
    if not (2 <= len(name) <= 80) or any(ch.isdigit() for ch in name) or not any(ch.isalpha() for ch in name):
        return [Reply(texts.NAME_INVALID, _SKIP_BUTTONS)]
    form["data"]["name"] = name
    return _advance(form, "name")


async def _phone(turn: Turn, form: dict, command: str) -> list[Reply]:
    if command == "/skip" or is_skip(turn.text):
        form["data"]["phone"] = None
        return _advance(form, "phone")
    phone = extract_phone(turn.text)
    if phone is None:
        return [Reply(texts.PHONE_INVALID, _SKIP_BUTTONS)]
    form["data"]["phone"] = phone
    return _advance(form, "phone")


async def _attach(turn: Turn, form: dict, command: str) -> Reply | None:
    """Store the image (or widget upload id) this message carries; None when it carries none."""
    attachments = form["data"].setdefault("attachments", [])
    if not (command.startswith("/photo ") or turn.inbound.image is not None or turn.inbound.image_failed):
        return None
    if len(attachments) >= MAX_PHOTOS:
        return Reply(texts.PHOTO_LIMIT.format(limit=MAX_PHOTOS))
    if command.startswith("/photo "):  # the web widget uploaded the file itself and sends its id
        attachments.append(command.split(maxsplit=1)[1][:64])
        return Reply(texts.PHOTO_SAVED.format(count=len(attachments), limit=MAX_PHOTOS))
    if turn.inbound.image is None:
        return Reply(texts.PHOTO_FAILED, _SKIP_BUTTONS)
    image = turn.inbound.image
    try:
        attachment_id = await turn.services.client.upload_attachment(
            image.data, content_type=image.content_type, filename=image.filename
        )
    except FeedbackApiError as exc:
        log.warning("attachment upload failed: status=%s code=%s", exc.status, exc.code)
        return Reply(texts.PHOTO_FAILED, _SKIP_BUTTONS)
    attachments.append(attachment_id)
    return Reply(texts.PHOTO_SAVED.format(count=len(attachments), limit=MAX_PHOTOS))


async def _photo(turn: Turn, form: dict, command: str) -> list[Reply]:
    before = len(form["data"].setdefault("attachments", []))
    saved = await _attach(turn, form, command)
    if saved is not None:
        count = len(form["data"]["attachments"])
        if count >= MAX_PHOTOS:
            return [saved] + _advance(form, "photo")
        if count == before:  # not stored: the reply says why
            return [saved]
        return [Reply(f"{saved.text} {texts.PHOTO_MORE}", [Button(texts.BTN_DONE, "/skip")])]
    if command == "/skip" or is_skip(turn.text) or fold(turn.text) in ("xong", "da xong", "het roi", "du roi"):
        return _advance(form, "photo")
    return [Reply(texts.PHOTO_EXPECTED, _SKIP_BUTTONS)]


async def _consent(turn: Turn, form: dict, command: str) -> list[Reply]:
    answer = {"/yes": True, "/no": False}.get(command)
    if answer is None:
        answer = parse_yes_no(turn.text)
    if answer is None:
        return [Reply(texts.CONSENT_INVALID, _yes_no_buttons())]
    form["data"]["consent"] = answer
    return _advance(form, "consent")


async def _kind(turn: Turn, form: dict, command: str) -> list[Reply]:
    words = fold(command or turn.text)
    if "kien nghi" in words or "recommendation" in words or "de nghi" in words:
        form["data"]["kind"] = "recommendation"
    elif "phan anh" in words or "complaint" in words:
        form["data"]["kind"] = "complaint"
    else:
        return [_prompt(turn, "kind")]
    form["data"]["kind_set"] = True
    return _advance(form, "kind")


async def _confirm(turn: Turn, form: dict, command: str) -> list[Reply]:
    if command == "/confirm" or is_confirm(turn.text):
        return await _submit(turn, form)
    return [summary(form, turn.inbound.channel)]


_HANDLERS = {
    "content": _content,
    "location": _location,
    "name": _name,
    "phone": _phone,
    "photo": _photo,
    "consent": _consent,
    "kind": _kind,
    "grievance": _grievance,
    "confirm": _confirm,
}


def _advance(form: dict, finished: str) -> list[Reply]:
    if finished not in form["done"]:
        form["done"].append(finished)
    form["step"] = _next_step(form)
    return []


def _next_step(form: dict) -> str:
    return next(step for step in STEPS if step not in form["done"])


def reminder(turn: Turn) -> Reply:
    """Shown when something else interrupts the form: where the citizen was."""
    prompt = _prompt(turn, turn.state["form"]["step"])
    return Reply("Bạn đang gửi phản ánh dở dang. " + prompt.text, prompt.buttons)


# --- prompts --------------------------------------------------------------------------------------
def _prompt(turn: Turn, step: str) -> Reply:
    form = turn.state["form"]
    if step == "content":
        return Reply(texts.ASK_CONTENT, [Button(texts.BTN_CANCEL, "/cancel")])
    if step == "location":
        return Reply(texts.ASK_LOCATION, [Button(texts.BTN_CANCEL, "/cancel")])
    if step == "name":
        return Reply(texts.ASK_NAME, _SKIP_BUTTONS)
    if step == "phone":
        return Reply(texts.ASK_PHONE, _SKIP_BUTTONS)
    if step == "photo":
        ask = texts.ASK_PHOTO_WEB if turn.inbound.channel == "web" else texts.ASK_PHOTO
        return Reply(ask, _SKIP_BUTTONS)
    if step == "consent":
        return Reply(texts.ASK_CONSENT, _yes_no_buttons())
    if step == "grievance":
        found = form["data"].get("grievance") or {}
        return Reply(
            texts.GRIEVANCE_ASK.format(label=found.get("label", "khiếu nại/tố cáo")),
            [
                Button(texts.BTN_GRIEVANCE_GUIDE, GRIEVANCE_GUIDE),
                Button(texts.BTN_GRIEVANCE_PAKN, GRIEVANCE_PAKN),
                Button(texts.BTN_CANCEL, "/cancel"),
            ],
        )
    if step == "kind":
        return Reply(
            "Đây là phản ánh (sự việc cần xử lý) hay kiến nghị (đề xuất thay đổi)?",
            [Button("Phản ánh", "/kind complaint"), Button("Kiến nghị", "/kind recommendation")],
        )
    return summary(form, turn.inbound.channel)


def summary(form: dict, channel: str) -> Reply:
    data = form["data"]
    lines = ["Vui lòng kiểm tra lại thông tin:"]
    lines.append(f"• Loại: {texts.KIND_LABEL[data.get('kind', 'complaint')]}")
    content = data.get("content", "")
    lines.append(f"• Nội dung: {content if len(content) <= 300 else content[:297] + '...'}")
    lines.append(f"• Địa điểm: {data.get('location', '')}")
    lines.append(f"• Họ tên: {data.get('name') or '(không cung cấp)'}")
    phone = data.get("phone")
    lines.append(f"• Số điện thoại: {mask_phone(phone) if phone else '(không cung cấp)'}")
    photos = len(data.get("attachments") or [])
    lines.append(f"• Ảnh đính kèm: {photos if photos else 'không có'}")
    lines.append(f"• Đồng ý công khai trả lời: {'Có' if data.get('consent') else 'Không'}")
    lines.append(texts.CONFIRM_HINT)
    return Reply(
        "\n".join(lines),
        [Button(texts.BTN_SEND, "/confirm"), Button(texts.BTN_EDIT, "/edit"), Button(texts.BTN_CANCEL, "/cancel")],
    )


def _yes_no_buttons() -> list[Button]:
    return [Button(texts.BTN_YES, "/yes"), Button(texts.BTN_NO, "/no")]


def _edit_buttons() -> list[Button]:
    return [
        Button("Nội dung", "/edit content"),
        Button("Địa điểm", "/edit location"),
        Button("Họ tên", "/edit name"),
        Button("Số điện thoại", "/edit phone"),
        Button("Ảnh", "/edit photo"),
        Button("Công khai", "/edit consent"),
    ]


# --- submission -----------------------------------------------------------------------------------
def idempotency_key(channel: str, user_id: str, form_id: str, submission: FeedbackSubmission) -> str:
    """Same conversation, form and content -> same key: a retried submission is the same submission.
    Correcting a field after a failed attempt changes the body and therefore the key (the feedback
    service answers 409 to one key with two bodies)."""
    canonical = json.dumps(submission.body(), sort_keys=True, ensure_ascii=False)
    material = f"{channel}\x1f{user_id}\x1f{form_id}\x1f{canonical}"
    return "bot-" + hashlib.sha256(material.encode()).hexdigest()[:40]


def request_body(form: dict, channel: str, user_id: str) -> FeedbackSubmission:
    """The submission of a completed form, replies to go back to this chat."""
    data = form["data"]
    name, phone = data.get("name") or None, data.get("phone") or None
    return FeedbackSubmission(
        content=data["content"],
        kind=data.get("kind", "complaint"),
        channel=channel,
        location=data.get("location"),
        publish_consent=bool(data.get("consent")),
        reply_to=ReplyTo(channel=channel, chat_id=user_id),
        contact=Contact(name=name, phone=phone) if name or phone else None,
        attachments=list(data.get("attachments") or []),
        confirmed_pakn=bool(data.get("confirmed_pakn")),
    )


async def _submit(turn: Turn, form: dict) -> list[Reply]:
    channel, user_id = turn.inbound.channel, turn.inbound.user_id
    submission = request_body(form, channel, user_id)
    try:
        result = await turn.services.client.create_feedback(
            submission, idempotency_key=idempotency_key(channel, user_id, form["id"], submission)
        )
    except FeedbackApiError as exc:
        log.warning("feedback submission failed: status=%s code=%s", exc.status, exc.code)
        if exc.code == "grievance_not_pakn":  # the service read it as a khiếu nại/tố cáo: ask the citizen
            found = detect_grievance(form["data"].get("content"))
            label = found.label if found else "khiếu nại/tố cáo"
            form["data"]["grievance"] = {"kind": found.kind if found else "khieu_nai", "label": label, "cue": ""}
            form["resume"], form["step"] = "confirm", "grievance"
            return [_prompt(turn, "grievance")]
        if exc.unavailable or exc.status == 409:
            return [
                Reply(
                    texts.SUBMIT_UNAVAILABLE, [Button(texts.BTN_SEND, "/confirm"), Button(texts.BTN_CANCEL, "/cancel")]
                )
            ]
        detail = exc.detail or "thông tin chưa hợp lệ"
        return [Reply(texts.SUBMIT_REJECTED.format(detail=detail), _edit_buttons())]
    code = result.code
    phone = form["data"].get("phone")
    codes = turn.state.setdefault("codes", [])
    codes.append({"code": code, "phone_last4": phone[-4:] if phone else None})
    del codes[:-20]
    turn.state.pop("form", None)
    agency = agency_name(turn, result.agency)
    return [
        Reply(
            texts.submitted(code, agency, format_date(result.due_at, turn.settings.timezone)),
            [Button("Tra cứu " + code, f"/status {code}")],
        )
    ]


def agency_name(turn: Turn, agency: AgencyRef | str | None) -> str | None:
    """The agency's display name from a code (looked up in the directory) or the API's agency object."""
    if not agency:
        return None
    if isinstance(agency, AgencyRef):
        return agency.name or agency.code
    found = turn.services.kb.agency(agency)
    return found.name if found else agency


def format_date(value: datetime | str | None, tz: str) -> str | None:
    """dd/mm/yyyy in the time zone `tz` (settings.timezone): the API speaks UTC, and a deadline at 23:59
    local is 16:59 UTC."""
    if not value:
        return None
    if isinstance(value, datetime):
        moment = value
    else:
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
    if moment.tzinfo is not None:
        moment = moment.astimezone(ZoneInfo(tz))
    return moment.strftime("%d/%m/%Y")
