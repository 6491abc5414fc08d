"""Pure conversions between Open311 GeoReport v2 and our PAKN intake/status (no HTTP here).

Services are kinds × categories: service_code "complaint.moi_truong" is a phản ánh about the
environment, "recommendation.khac" a kiến nghị without a category (routing then classifies the text).
Open311 clients are web/app front ends, so their requests arrive on channel "web". Public views never
carry personal data: descriptions and addresses go through redaction.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from feedback_api.feedback.lifecycle import OPEN_STATUSES, Status, status_label
from feedback_api.publication.redaction import redact
from feedback_api.routing.rules import RoutingRules, load_rules

KINDS: dict[str, str] = {"complaint": "Phản ánh", "recommendation": "Kiến nghị"}
OTHER = "khac"  # service for items without a category
OTHER_LABEL = "Khác (chưa phân loại)"
_TRUE = {"1", "true", "yes", "on", "co", "có"}


class Open311Error(ValueError):
    """A request Open311 clients must fix: HTTP 400 with `code` and a Vietnamese `message`."""

    status_code = 400

    def __init__(self, code: str, message: str):
        self.code, self.message = code, message
        super().__init__(message)


# --- services -------------------------------------------------------------------------------------
def service_code(kind: str, category: str | None) -> str:
    return f"{kind}.{category or OTHER}"


def service_list(rules: RoutingRules | None = None) -> list[dict]:
    """GET /services.json: one service per kind × category (plus "khac" per kind)."""
    rules = rules or load_rules()
    services = []
    for kind, kind_label in KINDS.items():
        for category in [*rules.categories.values(), None]:
            label = category.label if category else OTHER_LABEL
            services.append(
                {
                    "service_code": service_code(kind, category.code if category else None),
                    "service_name": f"{kind_label} — {label}",
                    "description": f"{kind_label} về lĩnh vực {label.lower()}"
                    if category
                    else f"{kind_label} chưa rõ lĩnh vực; hệ thống sẽ phân loại theo nội dung",
                    "metadata": False,
                    "type": "realtime",
                    "keywords": ", ".join(category.keywords[:8]) if category else "",
                    "group": kind_label,
                }
            )
    return services


def parse_service_code(code: str | None, rules: RoutingRules | None = None) -> tuple[str, str | None]:
    """(kind, category or None) for a service_code, or Open311Error."""
    rules = rules or load_rules()
    kind, _, category = (code or "").strip().partition(".")
    if kind not in KINDS or not category or (category != OTHER and category not in rules.categories):
        raise Open311Error("unknown_service_code", f"Mã dịch vụ “{code or ''}” không có trong danh sách dịch vụ.")
    return kind, None if category == OTHER else category


# --- POST /requests.json -> our intake body ------------------------------------------------------
def _text(fields: Mapping, name: str) -> str | None:
    value = fields.get(name)
    if value is None:
        return None
    value = str(value).strip()
    return value or None


def _coordinate(value: str | None, name: str, bound: float) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if not math.isfinite(number) or abs(number) > bound:
        raise Open311Error("invalid_location", f"Tọa độ {name} không hợp lệ.")
    return number


def intake_from_request(fields: Mapping, rules: RoutingRules | None = None) -> dict:
    """An Open311 POST /requests form (service_code, description, lat, long, address_string, email,
    first_name, last_name, phone, media_url, attribute[publish_consent]) as our POST /feedback body.

    Vietnamese names are family name first, so the contact name is "last_name first_name".
    """
    kind, category = parse_service_code(_text(fields, "service_code"), rules)
    description = _text(fields, "description")
    if not description:
        raise Open311Error("missing_description", "Thiếu nội dung phản ánh, kiến nghị (description).")
    lat = _coordinate(_text(fields, "lat"), "lat", 90)
    lon = _coordinate(_text(fields, "long"), "long", 180)
    if (lat is None) != (lon is None):
        raise Open311Error("invalid_location", "Cần có cả vĩ độ (lat) và kinh độ (long).")
    address = _text(fields, "address_string")
    location_parts = [address] if address else []
    if lat is not None:
        location_parts.append(f"tọa độ {lat:.6f}, {lon:.6f}")
    content = description
    media_url = _text(fields, "media_url")
    if media_url:
        content += f"\nẢnh minh họa: {media_url}"
    name = " ".join(part for part in (_text(fields, "last_name"), _text(fields, "first_name")) if part)
    contact = {
        key: value
        for key, value in (("name", name or None), ("phone", _text(fields, "phone")), ("email", _text(fields, "email")))
        if value
    }
    consent = _text(fields, "attribute[publish_consent]") or _text(fields, "publish_consent")
    body: dict = {"content": content, "kind": kind, "channel": "web"}
    if category:
        body["category"] = category
    if location_parts:
        body["location"] = "; ".join(location_parts)
    if contact:
        body["contact"] = contact
    if consent is not None:
        body["publish_consent"] = consent.lower() in _TRUE
    return body


def created_response(code: str, due_at: datetime | None, agency_name: str | None, tz: str) -> list[dict]:
    """The POST /requests.json answer: our tracking code as service_request_id, the deadline as notice."""
    notice = "Đã tiếp nhận"
    if agency_name:
        notice += f", chuyển {agency_name}"
    if due_at is not None:
        notice += f"; hạn trả lời {due_at.astimezone(ZoneInfo(tz)).strftime('%d/%m/%Y')}"
    return [{"service_request_id": code, "service_notice": notice + ".", "account_id": None}]


# --- our item -> GET /requests/{id}.json ---------------------------------------------------------
def _get(item, name: str):
    return item.get(name) if isinstance(item, Mapping) else getattr(item, name, None)


def _iso(value) -> str | None:
    return value.isoformat() if isinstance(value, datetime) else value


def open311_status(status: str | Status) -> str:
    """Open311 knows only open/closed: anything still waiting for an answer is open."""
    return "open" if status in OPEN_STATUSES else "closed"


def service_request(item, agency_name: str | None = None, rules: RoutingRules | None = None) -> dict:
    """One of our items as an Open311 service request, without personal data.

    `item` is a mapping or object with code, kind, category, status, content (or public_content),
    location, agency_code, received_at, updated_at, due_at, published_text, contact_name.
    """
    rules = rules or load_rules()
    kind, category, status = _get(item, "kind"), _get(item, "category"), str(_get(item, "status"))
    names = [n for n in (_get(item, "contact_name"),) if n]
    description = _get(item, "public_content") or redact(_get(item, "content") or "", names)
    location = _get(item, "location")
    notes = status_label(status)
    if status in (Status.published, Status.closed) and _get(item, "published_text"):
        notes = f"{notes}. Trả lời: {_get(item, 'published_text')}"
    return {
        "service_request_id": _get(item, "code"),
        "status": open311_status(status),
        "status_notes": notes,
        "service_name": f"{KINDS.get(kind, kind)} — {rules.label(category) or OTHER_LABEL}",
        "service_code": service_code(kind, category if category in rules.categories else None),
        "description": description,
        "agency_responsible": agency_name or _get(item, "agency_code"),
        "service_notice": None,
        "requested_datetime": _iso(_get(item, "received_at")),
        "updated_datetime": _iso(_get(item, "updated_at")),
        "expected_datetime": _iso(_get(item, "due_at")),
        "address": redact(location, names) if location else None,
        "address_id": None,
        "zipcode": None,
        "lat": None,
        "long": None,
        "media_url": None,
    }


# --- GET /requests.json query -> our filters -----------------------------------------------------
def _when(value: str | None, name: str, tz: str, end: bool = False) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        try:
            moment = datetime.combine(date.fromisoformat(value), time.max if end else time.min)
        except ValueError:
            raise Open311Error("invalid_date", f"Ngày {name} không đúng định dạng ISO 8601.") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo(tz))


def query_filters(params: Mapping, rules: RoutingRules | None, tz: str) -> dict:
    """GET /requests.json parameters as filters: codes, kind, category, since, until, statuses; dates
    without an offset are local time of `tz`."""
    filters: dict = {}
    ids = _text(params, "service_request_id")
    if ids:
        filters["codes"] = [code.strip() for code in ids.split(",") if code.strip()]
    code = _text(params, "service_code")
    if code:
        filters["kind"], filters["category"] = parse_service_code(code, rules)
    since = _when(_text(params, "start_date"), "start_date", tz)
    until = _when(_text(params, "end_date"), "end_date", tz, end=True)
    if since and until and since > until:
        raise Open311Error("invalid_date", "start_date phải trước end_date.")
    if since:
        filters["since"] = since
    if until:
        filters["until"] = until
    status = _text(params, "status")
    if status:
        wanted = {s.strip() for s in status.split(",")}
        if not wanted <= {"open", "closed"}:
            raise Open311Error("invalid_status", "status chỉ nhận giá trị open hoặc closed.")
        filters["statuses"] = sorted(s.value for s in Status if open311_status(s) in wanted)
    return filters
