"""The OpenAPI document as the service really answers: every error body is {"detail", "code"} (422 adds
"errors"), and each operation lists the error statuses it can give (issue 10, defect 7).

FastAPI documents only 200 and its own 422 shape ({"detail": [...]}), which the service replaced with
Vietnamese messages; clients and schemathesis read the document, so it must say what comes back.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel, Field

REF = "#/components/schemas/{model}"


class ErrorBody(BaseModel):
    detail: str = Field(description="Thông báo lỗi bằng tiếng Việt, để hiển thị cho người dùng")
    code: str = Field(description="Mã lỗi cho máy đọc, ví dụ not_found, rate_limited")


class FieldError(BaseModel):
    field: str = Field(description="Trường bị lỗi, ví dụ contact.phone; body khi lỗi là cả nội dung")
    message: str
    type: str | None = None


class ValidationErrorBody(ErrorBody):
    errors: list[FieldError] = Field(default_factory=list)


# Why each status can come back (the same for every operation that can give it).
DESCRIPTIONS = {
    400: "Yêu cầu không hợp lệ (nội dung không đọc được, giá trị không lưu được, tham chiếu không tồn tại)",
    401: "Chưa đăng nhập, hoặc phiên đăng nhập không hợp lệ / đã hết hạn",
    403: "Không có quyền với thao tác hoặc phản ánh này",
    404: "Không tìm thấy",
    409: "Xung đột: trạng thái không cho phép thao tác, hoặc Idempotency-Key đã dùng cho nội dung khác",
    413: "Dữ liệu gửi lên quá lớn",
    415: "Định dạng dữ liệu không được hỗ trợ",
    422: "Dữ liệu không hợp lệ; `errors` nêu từng trường",
    429: "Gửi quá nhiều yêu cầu; thử lại sau số giây ở Retry-After",
    503: "Cơ sở dữ liệu tạm thời gián đoạn; yêu cầu chưa được xử lý, thử lại sau số giây ở Retry-After",
}
RETRY_AFTER = {
    "Retry-After": {"description": "Số giây nên chờ trước khi thử lại", "schema": {"type": "integer", "minimum": 1}}
}
RATE_LIMITED_PREFIXES = ("/api/v1/", "/open311/")
NOT_RATE_LIMITED = frozenset({"/api/v1/healthz"})
# Statuses an operation gives that its shape does not reveal.
EXTRA = {("post", "/api/v1/auth/token"): {401}}


def error_statuses(path: str, method: str, operation: dict) -> set[int]:
    """The error statuses `operation` can answer with (a pure function of its OpenAPI description)."""
    statuses = {400, 413, 422, 503}
    if path.startswith(RATE_LIMITED_PREFIXES) and path not in NOT_RATE_LIMITED:
        statuses.add(429)
    has_path_parameter = bool(re.search(r"\{[^}]+\}", path))
    if operation.get("security"):
        statuses |= {401, 403}
    if has_path_parameter:
        statuses |= {403, 404}  # 403: e.g. the four phone digits do not match the item
    if method == "post":
        statuses |= {409, 415}
    return statuses | EXTRA.get((method, path), set())


def _error_response(status: int) -> dict:
    model = "ValidationErrorBody" if status == 422 else "ErrorBody"
    response = {
        "description": DESCRIPTIONS[status],
        "content": {"application/json": {"schema": {"$ref": REF.format(model=model)}}},
    }
    if status in (429, 503):
        response["headers"] = RETRY_AFTER
    return response


def document_errors(schema: dict) -> dict:
    """Add the error bodies and statuses to a FastAPI OpenAPI document (in place; returned too)."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for model in (ErrorBody, ValidationErrorBody):
        definition = model.model_json_schema(ref_template=REF)
        components.update(definition.pop("$defs", {}))
        components[model.__name__] = definition
    components.pop("HTTPValidationError", None)
    components.pop("ValidationError", None)
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            responses = operation.setdefault("responses", {})
            for status in sorted(error_statuses(path, method, operation)):
                responses[str(status)] = _error_response(status)
    return schema


class DocumentedApp(FastAPI):
    """A FastAPI app that serves the documented schema at openapi_url (built once, on first request)."""

    def openapi(self) -> dict[str, Any]:
        if self.openapi_schema is None:
            self.openapi_schema = document_errors(
                get_openapi(title=self.title, version=self.version, description=self.description, routes=self.routes)
            )
        return self.openapi_schema
