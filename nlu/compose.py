"""Short Vietnamese answers about one procedure, for the asked aspect, as chat replies (nlu.reply)
the bot sends as they are.

Plain text (no Markdown): the same answer goes to the web chat, Telegram and Zalo. Every answer names
the procedure, gives the section asked about, the implementing agency (with its hotline when the
directory has it; a generic "Công an cấp xã" / "UBND cấp xã" named for the citizen's unit when they named
a place, else with how to find it), the record's caveats, the link to the record's own portal page and,
last, where the facts come from and when they were checked ("Nguồn: CSDL quốc gia về TTHC, QĐ 163/QĐ-BTP;
cập nhật 10/06/2026"). National records can list dozens of long steps and documents: an answer shows the
first few, each cut to a readable length, and points to the portal page for the rest, so it fits in one
chat message (MAX_REPLY_CHARS). Buttons offer the other aspects (`/aspect <name>`).

When no procedure answers the question, `compose_not_found` says so plainly, with the national portal's
search for the question's words, the 1022 number and a button to reach a person.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from knowledge_base.models import Agency, Procedure
from nlu.normalize import fold
from nlu.reply import Button, Reply

# Zalo OA text messages hold at most 2,000 characters (Telegram 4,096): one answer stays within this.
MAX_REPLY_CHARS = 1800
MAX_STEPS = 5
MAX_DOCUMENTS = 6
MAX_ITEM_CHARS = 220  # one step or document, as published, can run to a page
MAX_FIELD_CHARS = 400  # conditions, result, processing time, place
MAX_SOURCE_CHARS = 200
MORE = "xem đầy đủ tại trang thủ tục"
# The national portal's procedure search page. Verified: the crawl behind ../shared/tthc (June-July 2026)
# opened this page, typed a procedure code into its search box and followed the result links
# (/thu-tuc-hanh-chinh/<id>, the portal page of every crawled record) - SEARCH_URL in
# scripts/crawler/crawl_tthc.py of github.com/chatbot-tthc/chatbot_tthc (commit 418e6ff). A URL that
# carries the search words (the former "/tim-kiem-thu-tuc-hanh-chinh?keyword=...") could not be verified
# from a citable source, so the answer links the page and gives the words to type into its search box.
PORTAL_SEARCH_PAGE = "https://dichvucong.gov.vn/thu-tuc-hanh-chinh"

CHANNEL_NAMES = {"truc_tiep": "trực tiếp", "truc_tuyen": "trực tuyến", "buu_chinh": "qua dịch vụ bưu chính"}
ONLINE_EXPLAINED = {
    "toan_trinh": (
        "Thủ tục này có dịch vụ công trực tuyến toàn trình: bạn nộp hồ sơ, nộp phí (nếu có), theo dõi "
        "và nhận kết quả trực tuyến trên Cổng Dịch vụ công, không phải đến cơ quan."
    ),
    "mot_phan": (
        "Thủ tục này có dịch vụ công trực tuyến một phần: bạn có thể nộp hồ sơ trực tuyến trên Cổng "
        "Dịch vụ công, nhưng vẫn phải đến cơ quan để xuất trình bản chính hoặc nhận kết quả."
    ),
    "none": "Thủ tục này chưa có dịch vụ công trực tuyến.",
}
ASPECT_BUTTONS = {
    "documents": "Giấy tờ cần chuẩn bị",
    "fee": "Lệ phí",
    "duration": "Thời gian giải quyết",
    "where": "Nơi nộp hồ sơ",
    "steps": "Các bước thực hiện",
    "online": "Làm trực tuyến",
    "eligibility": "Đối tượng, điều kiện",
}
FOLLOW_UP_ORDER = ("documents", "fee", "duration", "where", "steps", "online", "eligibility")


def format_vnd(amount: int) -> str:
    """50000 -> "50.000 đồng" (Vietnamese thousands separator)."""
    return f"{amount:,}".replace(",", ".") + " đồng"


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " và " + items[-1]


def _clip(text: str, limit: int) -> str:
    """At most `limit` characters, cut at a word boundary with "…"."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:.-(") + "…"


def _sentence(text: str, limit: int = MAX_FIELD_CHARS) -> str:
    text = _clip(text.strip().rstrip(";,").rstrip(), limit)
    return text if text.endswith((".", "!", "?", ":", "…")) else text + "."


def _channels(procedure: Procedure) -> str:
    return _join([CHANNEL_NAMES.get(c, c) for c in procedure.submission_channels])


def _copies(item) -> str:
    parts = []
    if item.originals:
        parts.append(f"{item.originals} bản chính")
    if item.copies:
        parts.append(f"{item.copies} bản sao")
    return " (" + ", ".join(parts) + ")" if parts else ""


def _documents(procedure: Procedure) -> str:
    if not procedure.documents:
        return "Hồ sơ: chưa có thông tin về thành phần hồ sơ; bạn vui lòng liên hệ cơ quan thực hiện."
    lines = ["Hồ sơ cần chuẩn bị:"]
    for number, item in enumerate(procedure.documents[:MAX_DOCUMENTS], start=1):
        note = f" — {_clip(item.note, 80)}" if item.note else ""
        lines.append(f"{number}. {_clip(item.name, MAX_ITEM_CHARS)}{_copies(item)}{note}")
    if len(procedure.documents) > MAX_DOCUMENTS:
        lines.append(f"... và {len(procedure.documents) - MAX_DOCUMENTS} giấy tờ khác: {MORE}.")
    return "\n".join(lines)


def _fees(procedure: Procedure) -> str:
    if not procedure.fees:
        if procedure.fee_note:
            return "Phí, lệ phí: " + _sentence(procedure.fee_note)
        return "Phí, lệ phí: chưa có thông tin công bố; bạn vui lòng hỏi cơ quan thực hiện."
    lines = ["Phí, lệ phí:"]
    for fee in procedure.fees[:MAX_DOCUMENTS]:
        description = _clip(fee.description, MAX_ITEM_CHARS)
        if fee.amount_vnd is None:
            detail = description or "mức thu tùy trường hợp"
        elif fee.amount_vnd == 0:
            detail = "miễn phí" + (f" ({description})" if description else "")
        else:
            detail = format_vnd(fee.amount_vnd) + (f" ({description})" if description else "")
        lines.append(f"- {_clip(fee.name, 80)}: {detail}")
    if len(procedure.fees) > MAX_DOCUMENTS:
        lines.append(f"... và {len(procedure.fees) - MAX_DOCUMENTS} khoản khác: {MORE}.")
    if procedure.fee_note:
        lines.append(_sentence(procedure.fee_note))
    return "\n".join(lines)


def _duration(procedure: Procedure) -> str:
    return "Thời hạn giải quyết: " + _sentence(procedure.processing_time)


def _where(procedure: Procedure) -> str:
    place = procedure.where_to_submit or procedure.agency
    return f"Nơi nộp hồ sơ: {_sentence(place)}\nCách nộp: {_channels(procedure)}."


def _steps(procedure: Procedure) -> str:
    lines = ["Các bước thực hiện:"]
    lines += [
        f"{number}. {_sentence(_unnumbered(step), MAX_ITEM_CHARS)}"
        for number, step in enumerate(procedure.steps[:MAX_STEPS], start=1)
    ]
    if len(procedure.steps) > MAX_STEPS:
        lines.append(f"... và {len(procedure.steps) - MAX_STEPS} bước nữa: {MORE}.")
    return "\n".join(lines)


def _unnumbered(step: str) -> str:
    """ "Bước 2: Công dân ..." -> "Công dân ..." (the answer numbers the steps itself)."""
    return re.sub(r"^\s*(?:bước\s*\d+\s*[:.)-]?\s*)", "", step, flags=re.IGNORECASE) or step


def _online(procedure: Procedure) -> str:
    text = ONLINE_EXPLAINED.get(procedure.online_level, ONLINE_EXPLAINED["none"])
    if procedure.online_level == "none":
        text += f" Bạn nộp hồ sơ {_channels(procedure)}."
    else:
        text += f"\nCách nộp: {_channels(procedure)}."
    return text


def _eligibility(procedure: Procedure) -> str:
    lines = []
    if procedure.target_users:
        lines.append("Đối tượng thực hiện: " + _sentence(", ".join(procedure.target_users), MAX_ITEM_CHARS))
    if procedure.conditions:
        lines.append("Yêu cầu, điều kiện: " + _sentence(procedure.conditions))
    else:
        lines.append("Yêu cầu, điều kiện: không có yêu cầu, điều kiện riêng được công bố.")
    return "\n".join(lines)


def _fee_summary(procedure: Procedure) -> str:
    amounts = sorted({f.amount_vnd for f in procedure.fees if f.amount_vnd is not None})
    varies = any(f.amount_vnd is None for f in procedure.fees)
    if not amounts:
        return 'tùy trường hợp (hỏi "lệ phí" để xem chi tiết).'
    if len(amounts) == 1 and len(procedure.fees) == 1:
        return format_vnd(amounts[0]) + "." if amounts[0] else "miễn phí."
    low, high = amounts[0], amounts[-1]
    text = format_vnd(low) if low == high else f"từ {format_vnd(low)} đến {format_vnd(high)}"
    return text + (", một số khoản tùy trường hợp." if varies else " tùy trường hợp.")


def _general(procedure: Procedure) -> str:
    level = f", cấp {procedure.level}" if procedure.level else ""
    lines = [f"Lĩnh vực: {procedure.field}{level}.", _duration(procedure)]
    if procedure.fees:
        lines.append("Phí, lệ phí: " + _fee_summary(procedure))
    elif procedure.fee_note:
        lines.append("Phí, lệ phí: " + _sentence(procedure.fee_note))
    lines.append(f"Cách nộp: {_channels(procedure)}.")
    if procedure.result:
        lines.append("Kết quả: " + _sentence(procedure.result))
    return "\n".join(lines)


SECTIONS = {
    "documents": _documents,
    "fee": _fees,
    "duration": _duration,
    "where": _where,
    "steps": _steps,
    "online": _online,
    "eligibility": _eligibility,
    "general": _general,
}


def _agency_line(procedure: Procedure, kb, units: Sequence[Agency] = ()) -> str:
    """The agency as published (named for the citizen's unit when they named one, else with how to find
    a generic commune-level agency), plus the directory's full name and hotline when agency_code resolves."""
    get_agency = getattr(kb, "agency", None)
    agency = get_agency(procedure.agency_code) if (get_agency and procedure.agency_code) else None
    published = _clip(procedure.agency, MAX_FIELD_CHARS)
    shown = _localised(published, units) if units else _with_hint(published)
    line = f"Cơ quan thực hiện: {shown}"
    if agency is not None:
        extras = [] if fold(agency.name) == fold(procedure.agency) else [agency.name]
        if agency.hotline:
            extras.append(f"điện thoại {agency.hotline}")
        if extras:
            line += f" ({', '.join(extras)})"
    return _sentence(line, MAX_FIELD_CHARS + 200)


def _localised(text: str, units: Sequence[Agency]) -> str:
    from knowledge_base.places import localise_mentions

    try:
        return localise_mentions(text, units)
    except Exception:  # the places data is optional for an answer: the published text stays
        return text


def _with_hint(agency_text: str) -> str:
    from knowledge_base.places import localise_agency

    try:
        return localise_agency(agency_text, None)
    except Exception:
        return agency_text


def source_line(procedure: Procedure) -> str:
    """Where the record's facts come from and when they were last checked against that source."""
    provenance = procedure.provenance
    if provenance is None:
        return "Nguồn: chưa ghi nguồn; hãy đối chiếu trên Cổng Dịch vụ công quốc gia hoặc gọi 1022."
    source = _clip(provenance.source, MAX_SOURCE_CHARS)
    decision = provenance.decision.strip()
    if decision:
        decision = decision if fold(decision).startswith(("qd", "quyet dinh")) else f"QĐ {decision}"
        source += f", {decision}"
    return f"Nguồn: {source}; cập nhật {provenance.verified_on:%d/%m/%Y}"


def link_line(procedure: Procedure) -> str | None:
    url = procedure.portal_url
    if url:
        return f"Trang thủ tục: {url}"
    if procedure.provenance and procedure.provenance.url.startswith("http"):
        return f"Văn bản: {procedure.provenance.url}"
    return None


def _fit(section: str, budget: int) -> str:
    """The section cut (at a line, else a word) to `budget` characters, pointing to the full page."""
    if len(section) <= budget:
        return section
    tail = f"\n... {MORE}."
    room = max(0, budget - len(tail))
    cut = section[:room]
    newline = cut.rfind("\n")
    cut = cut[:newline] if newline > room // 3 else _clip(cut, room)
    return cut.rstrip() + tail


def compose_answer(
    procedure: Procedure,
    aspect: str | None,
    kb=None,
    units: Sequence[Agency] = (),
    also_asked: Sequence[str] = (),
) -> Reply:
    """The answer about `procedure` for `aspect` (unknown or None: general), with follow-up buttons.

    `units`: the citizen's commune-level unit(s), when they named a place (knowledge_base.places.
    resolve_place): generic commune-level agencies in the answer are then named for it.
    `also_asked`: other aspects the message asked about ("cần giấy tờ gì, nộp ở đâu, mất bao lâu"):
    their buttons come first."""
    aspect = aspect if aspect in SECTIONS else "general"
    section = _localised(SECTIONS[aspect](procedure), units)
    head = _clip(procedure.name, 300)
    tail = [_agency_line(procedure, kb, units)]
    tail += [f"Lưu ý: {_clip(caveat, 400)}" for caveat in procedure.caveats[:3]]
    link = link_line(procedure)
    if link:
        tail.append(link)
    tail.append(source_line(procedure))
    budget = MAX_REPLY_CHARS - len(head) - sum(len(t) + 1 for t in tail) - 1
    parts = [head, _fit(section, max(200, budget)), *tail]
    order = [a for a in also_asked if a in ASPECT_BUTTONS] + list(FOLLOW_UP_ORDER)
    follow_ups = [a for a in dict.fromkeys(order) if a != aspect][:4]
    buttons = [Button(ASPECT_BUTTONS[a], f"/aspect {a}") for a in follow_ups]
    return Reply("\n".join(parts), buttons)


def portal_search_line(question: str) -> str:
    """Where to search the national portal for `question`: its procedure search page and the content words
    to type there (chatter and aspect phrases such as "cho em hỏi", "ở đâu", "bao lâu" left out, diacritics
    kept as typed)."""
    return (
        f"Bạn có thể tra cứu trên Cổng Dịch vụ công quốc gia: {PORTAL_SEARCH_PAGE} "
        f"(gõ vào ô tìm kiếm: “{search_keywords(question)}”)"
    )


# Chatter left out of the portal search, as typed (with diacritics); a word typed without diacritics is
# dropped when it folds to one of these ("cho em hoi" -> all three), a small loss ("cho" may be "chó").
SEARCH_CHATTER = frozenset(
    """ạ à ơi ad ak nhé nha nhỉ vậy thế thì là mình tôi em anh chị bạn cho hỏi xin giúp giùm với được không
    ko k gì nào sao muốn cần phải làm những các cái này đó rồi luôn nữa ra về của và hay hoặc ở đâu tại khi
    như thế nào ai biết chỉ dùm ạh vs đc dc j""".split()
)
_SEARCH_CHATTER_FOLDED = frozenset(fold(w) for w in SEARCH_CHATTER)


def search_keywords(question: str, max_words: int = 10) -> str:
    """The content words of a question, as typed, for the portal search."""
    from nlu.retrieval.text import QUERY_NOISE_PHRASES  # "ho so", "bao lau", "mat bao lau", ...

    words = re.findall(r"\w+", question.lower())
    folded = [fold(w) for w in words]
    content: list[str] = []
    i = 0
    while i < len(words):
        phrase = next((p for p in QUERY_NOISE_PHRASES if tuple(folded[i : i + len(p)]) == p), None)
        if phrase:
            i += len(phrase)
            continue
        content.append(words[i])
        i += 1
    keep = [
        w
        for w in content
        if w not in SEARCH_CHATTER and not (w == fold(w) and w in _SEARCH_CHATTER_FOLDED) and not w.isdigit()
    ]
    return " ".join(keep[:max_words]) or " ".join(words[:max_words])


# Why a question that asks for something no procedure holds (nlu.unheld) gets no answer, and who has it.
UNHELD_REASONS = {
    "penalty": (
        "Mức phạt vi phạm hành chính không phải là một thủ tục hành chính nên tôi không có thông tin này và "
        "không trả lời đoán. Mức phạt do các nghị định xử phạt của Chính phủ quy định; cơ quan xử lý vi phạm "
        "(như Công an) sẽ cho biết mức cụ thể với trường hợp của bạn."
    ),
    "exam": (
        "Lịch thi, điểm thi và điểm chuẩn không phải là thủ tục hành chính nên tôi không có thông tin này. "
        "Các thông tin này do Sở Giáo dục và Đào tạo và nhà trường công bố."
    ),
}


def compose_not_found(
    question: str, phone: str = "1022", hours: str = "", unheld: str | None = None, related: Procedure | None = None
) -> Reply:
    """No procedure we hold answers the question: say so, give the portal search for its words, the
    hotline, and a person to ask — never another procedure's answer nor a list of unrelated ones.

    `unheld`: what the question asks for that no procedure holds (nlu.unheld): the reply says why instead
    of the portal search. `related`: a procedure the question names, offered as a button."""
    when = f" ({hours})" if hours else ""
    reason = UNHELD_REASONS.get(unheld or "")
    lines = (
        [reason]
        if reason
        else [
            "Xin lỗi, tôi chưa có thông tin về thủ tục bạn hỏi, nên không trả lời đoán.",
            portal_search_line(question),
        ]
    )
    lines.append(
        f"{'Bạn có thể' if reason else 'Hoặc'} gọi Tổng đài {phone}{when} để được hướng dẫn. Bạn cũng có thể bấm "
        '"Gặp tổng đài viên" để tôi chuyển câu hỏi cho cán bộ.'
    )
    buttons = [Button("Gặp tổng đài viên", "/handoff")]
    if related is not None:
        lines.append(f"Nếu bạn muốn hỏi cách làm thủ tục “{_clip(related.name, 200)}”, hãy bấm nút bên dưới.")
        buttons.insert(0, Button(_short(related.name), f"/procedure {related.code}"))
    return Reply("\n".join(lines), buttons)


# The button under a choice of procedures for "none of these": the bot then says it does not hold it.
NOT_LISTED = Button("Không phải các thủ tục trên", "/not_listed")


def clarify(procedures: list[Procedure]) -> Reply:
    """Ask which procedure the citizen means, offering (up to) the top 3 as buttons, and a way out when
    none of them is it (NOT_LISTED)."""
    choices = procedures[:3]
    if not choices:
        return Reply("Bạn muốn hỏi thủ tục nào? Bạn có thể nói rõ hơn tên thủ tục hoặc giấy tờ cần làm.")
    lines = ["Bạn muốn hỏi thủ tục nào?"]
    lines += [f"{number}. {p.name}" for number, p in enumerate(choices, start=1)]
    buttons = [Button(_short(p.name), f"/procedure {p.code}") for p in choices]
    return Reply("\n".join(lines), [*buttons, NOT_LISTED])


def _short(title: str, limit: int = 60) -> str:
    """Button titles are short on every channel (Telegram, Zalo)."""
    return title if len(title) <= limit else title[: limit - 1].rstrip() + "…"
