"""Every error leaves the service as {"detail": <Vietnamese message>, "code": <machine code>}.

Validation errors name the field; unexpected exceptions are logged without request data or exception
messages (which may carry personal data) and answered with a generic 500.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, DBAPIError, DisconnectionError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from common.db import is_database_unavailable
from common.text import loggable
from feedback_api.domain import (
    Conflict,
    DomainError,
    Forbidden,
    Invalid,
    NotFound,
    QuotaExceeded,
    TooLarge,
    Unprocessable,
    UnsupportedType,
)

log = logging.getLogger("feedback_api")


class ApiError(Exception):
    """A client-facing error: HTTP status, machine code, Vietnamese message."""

    def __init__(self, status_code: int, code: str, detail: str, headers: dict | None = None):
        super().__init__(code)
        self.status_code = status_code
        self.code = code
        self.detail = detail
        self.headers = headers


def not_found(detail: str = "Không tìm thấy phản ánh, kiến nghị với mã này.") -> ApiError:
    return ApiError(404, "not_found", detail)


def forbidden(detail: str = "Bạn không có quyền thực hiện thao tác này.", code: str = "forbidden") -> ApiError:
    return ApiError(403, code, detail)


def unauthorized(
    detail: str = "Bạn cần đăng nhập để thực hiện thao tác này.", code: str = "not_authenticated"
) -> ApiError:
    return ApiError(401, code, detail, headers={"WWW-Authenticate": "Bearer"})


_HTTP_MESSAGES = {
    400: ("bad_request", "Yêu cầu không hợp lệ."),
    401: ("not_authenticated", "Bạn cần đăng nhập để thực hiện thao tác này."),
    403: ("forbidden", "Bạn không có quyền thực hiện thao tác này."),
    404: ("not_found", "Không tìm thấy địa chỉ được yêu cầu."),
    405: ("method_not_allowed", "Phương thức không được hỗ trợ cho địa chỉ này."),
    409: ("conflict", "Yêu cầu xung đột với trạng thái hiện tại."),
    413: ("payload_too_large", "Dữ liệu gửi lên quá lớn."),
    415: ("unsupported_media_type", "Định dạng dữ liệu không được hỗ trợ."),
    422: ("validation_error", "Dữ liệu không hợp lệ."),
    429: ("rate_limited", "Bạn gửi quá nhiều yêu cầu, vui lòng thử lại sau ít phút."),
}

# FastAPI's 400 for a body it cannot parse (e.g. JSON nested too deep for the parser).
_FASTAPI_BODY_PARSE_ERROR = "There was an error parsing the body"
BODY_UNREADABLE = "Dữ liệu gửi lên không đọc được: cần một đối tượng JSON hợp lệ, không lồng nhau quá sâu."

# Vietnamese names of request fields, shown next to the field's own name.
FIELD_LABELS = {
    "content": "nội dung",
    "kind": "loại (phản ánh/kiến nghị)",
    "channel": "kênh tiếp nhận",
    "location": "địa điểm",
    "contact": "thông tin liên hệ",
    "name": "họ tên",
    "phone": "số điện thoại",
    "email": "thư điện tử",
    "publish_consent": "đồng ý công khai",
    "received_at": "thời điểm tiếp nhận",
    "category": "lĩnh vực",
    "reply_to": "nơi nhận thông báo",
    "chat_id": "mã cuộc trò chuyện",
    "attachments": "tệp đính kèm",
    "confirmed_pakn": "xác nhận là phản ánh, kiến nghị",
    "agency": "cơ quan",
    "reason": "lý do",
    "question": "câu hỏi",
    "info": "thông tin bổ sung",
    "answer": "nội dung trả lời",
    "text": "nội dung công khai",
    "guidance": "hướng dẫn",
    "into": "mã phản ánh gộp vào",
    "username": "tên đăng nhập",
    "password": "mật khẩu",
    "role": "vai trò",
    "month": "tháng",
    "page": "trang",
    "size": "số mục mỗi trang",
    "phone_last4": "4 số cuối điện thoại",
}


def _field_name(loc: tuple | list) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header", "form", "cookie")]
    return ".".join(parts) if parts else "body"


def _field_label(field: str) -> str:
    last = field.rsplit(".", 1)[-1]
    label = FIELD_LABELS.get(last)
    return f"“{field}” ({label})" if label else f"“{field}”"


def validation_message(error: Mapping[str, Any]) -> str:
    field = _field_name(error.get("loc", ()))
    label = _field_label(field)
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return f"Thiếu trường bắt buộc {label}."
    if kind == "json_invalid":
        return "Dữ liệu gửi lên không phải JSON hợp lệ."
    if kind in ("model_attributes_type", "dict_type", "model_type") and field == "body":
        return "Dữ liệu gửi lên phải là một đối tượng JSON."
    if kind == "string_too_short":
        return f"Trường {label} phải có ít nhất {ctx.get('min_length')} ký tự."
    if kind == "string_too_long":
        return f"Trường {label} chỉ được tối đa {ctx.get('max_length')} ký tự."
    if kind in ("literal_error", "enum"):
        expected = str(ctx.get("expected", "")).replace(" or ", " hoặc ")
        return f"Trường {label} phải là một trong các giá trị: {expected}."
    if kind == "string_pattern_mismatch":
        return f"Trường {label} không đúng định dạng."
    if kind == "extra_forbidden":
        return f"Trường {label} không được hỗ trợ."
    if kind.startswith("datetime") or kind.startswith("date") or kind.startswith("timezone"):
        return f"Trường {label} phải là thời điểm theo ISO 8601 (ví dụ 2026-03-02T08:30:00+07:00)."
    if kind.startswith("bool"):
        return f"Trường {label} phải là true hoặc false."
    if kind.startswith("int") or kind.startswith("float"):
        return f"Trường {label} phải là một số hợp lệ."
    if kind in ("greater_than_equal", "greater_than"):
        return f"Trường {label} phải lớn hơn hoặc bằng {ctx.get('ge', ctx.get('gt'))}."
    if kind in ("less_than_equal", "less_than"):
        return f"Trường {label} phải nhỏ hơn hoặc bằng {ctx.get('le', ctx.get('lt'))}."
    if kind == "string_type":
        return f"Trường {label} phải là chuỗi ký tự."
    if kind == "list_type":
        return f"Trường {label} phải là một danh sách."
    if kind in ("model_attributes_type", "dict_type", "model_type"):
        return f"Trường {label} phải là một đối tượng."
    if kind == "value_error":
        # Our own validators raise ValueError with a Vietnamese message.
        message = str(ctx.get("error", "")) or error.get("msg", "")
        return f"Trường {label}: {message}"
    return f"Giá trị của trường {label} không hợp lệ."


def error_body(detail: str, code: str, **extra) -> dict:
    return {"detail": detail, "code": code, **extra}


# A database outage (stopped, restarting, failing over, pool exhausted) is temporary: 503 and a hint when
# to retry, never a 500. Nothing was stored, and the message says so, so the citizen sends it again.
DATABASE_RETRY_AFTER_SECONDS = 5
DATABASE_UNAVAILABLE = (
    "Hệ thống đang tạm thời gián đoạn nên yêu cầu của bạn chưa được ghi nhận. "
    "Vui lòng thử lại sau ít giây hoặc gọi tổng đài 1022."
)


def database_unavailable_response(method: str, path: str, error: BaseException) -> JSONResponse:
    """The 503 for a database outage, with one log line (the error's type only: its message may quote
    the statement's parameters, i.e. personal data)."""
    cause = getattr(error, "orig", None) or error
    log.warning(
        "database unavailable (%s) on %s %s: answered 503", type(cause).__name__, method, path.replace("\x00", "\\x00")
    )
    return JSONResponse(
        error_body(DATABASE_UNAVAILABLE, "database_unavailable"),
        status_code=503,
        headers={"Retry-After": str(DATABASE_RETRY_AFTER_SECONDS)},
    )


# HTTP status of each kind of rule error (feedback_api.domain).
DOMAIN_STATUS: dict[type[DomainError], int] = {
    Invalid: 400,
    Forbidden: 403,
    NotFound: 404,
    Conflict: 409,
    TooLarge: 413,
    UnsupportedType: 415,
    Unprocessable: 422,
    QuotaExceeded: 429,
}


def domain_status(exc: DomainError) -> int:
    return next((status for kind, status in DOMAIN_STATUS.items() if isinstance(exc, kind)), 400)


def domain_headers(exc: DomainError) -> dict[str, str] | None:
    """HTTP headers that carry part of a domain error (when to try again)."""
    if isinstance(exc, QuotaExceeded):
        return {"Retry-After": str(exc.retry_after)}
    return None


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain_error(_request: Request, exc: DomainError) -> JSONResponse:
        return JSONResponse(
            error_body(exc.detail, exc.code, **exc.extra), status_code=domain_status(exc), headers=domain_headers(exc)
        )

    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse(error_body(exc.detail, exc.code), status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"field": _field_name(e.get("loc", ())), "message": validation_message(e), "type": e.get("type")}
            for e in exc.errors()
        ]
        detail = " ".join(dict.fromkeys(e["message"] for e in errors)) or "Dữ liệu không hợp lệ."
        return JSONResponse(error_body(detail, "validation_error", errors=errors), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code, message = _HTTP_MESSAGES.get(exc.status_code, ("error", "Đã có lỗi xảy ra."))
        if exc.status_code == 400 and exc.detail == _FASTAPI_BODY_PARSE_ERROR:
            code, message = "invalid_body", BODY_UNREADABLE
        detail = exc.detail if isinstance(exc.detail, str) and _looks_vietnamese(exc.detail) else message
        return JSONResponse(
            error_body(detail, code), status_code=exc.status_code, headers=getattr(exc, "headers", None)
        )

    async def _database_error(request: Request, exc: Exception) -> JSONResponse:
        if not is_database_unavailable(exc):
            raise exc  # a real bug (an integrity error...): the generic 500 below, as before
        return database_unavailable_response(request.method, request.url.path, exc)

    for kind in (DBAPIError, PoolTimeout, DisconnectionError):
        # DataError (a subclass of DBAPIError) keeps its own, more specific handler below.
        app.add_exception_handler(kind, _database_error)

    @app.exception_handler(DataError)
    async def _data_error(request: Request, exc: DataError) -> JSONResponse:
        # Values the database cannot represent (e.g. NUL bytes in a query parameter on PostgreSQL).
        log.warning("data error %s on %s %s", type(exc.orig).__name__, request.method, loggable(request.url.path))
        return JSONResponse(
            error_body("Dữ liệu gửi lên chứa ký tự hoặc giá trị không hợp lệ.", "invalid_data"), status_code=400
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        # Type and stack only: exception messages and request bodies may contain personal data.
        log.error(
            "unhandled %s on %s %s\n%s",
            type(exc).__name__,
            loggable(request.method, 20),
            loggable(request.url.path),
            "".join(traceback.format_tb(exc.__traceback__)),
        )
        return JSONResponse(
            error_body("Hệ thống đang gặp sự cố, vui lòng thử lại sau hoặc gọi tổng đài 1022.", "internal_error"),
            status_code=500,
        )


_VIETNAMESE_MARKS = set("ăâđêôơưáàảãạắằẳẵặấầẩẫậéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ")


def _looks_vietnamese(text: str) -> bool:
    return any(ch in _VIETNAMESE_MARKS for ch in text.lower())
