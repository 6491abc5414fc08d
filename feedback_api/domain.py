"""Errors the service's rules raise. Domain code knows nothing of HTTP; feedback_api.errors maps each
kind to a status code. Every error carries a machine code and a Vietnamese message for the person."""

from __future__ import annotations


class DomainError(Exception):
    default_code = "bad_request"

    def __init__(self, detail: str, code: str | None = None, **extra):
        super().__init__(code or self.default_code)
        self.detail = detail
        self.code = code or self.default_code
        self.extra = extra  # further JSON fields of the error body (e.g. the legal path of a khiếu nại)


class Invalid(DomainError):
    """The request names something that does not fit (unknown agency, merging into itself...)."""


class Unprocessable(DomainError):
    default_code = "validation_error"


class NotFound(DomainError):
    default_code = "not_found"

    def __init__(self, detail: str = "Không tìm thấy phản ánh, kiến nghị với mã này.", code: str | None = None):
        super().__init__(detail, code)


class Forbidden(DomainError):
    default_code = "forbidden"

    def __init__(self, detail: str = "Bạn không có quyền thực hiện thao tác này.", code: str | None = None):
        super().__init__(detail, code)


class Conflict(DomainError):
    """The item's state does not allow this now (a lifecycle rule, an edit of something unpublished)."""

    default_code = "invalid_transition"


class TooLarge(DomainError):
    """What was sent is larger than the service takes (an image over the attachment size limit)."""

    default_code = "too_large"


class UnsupportedType(DomainError):
    """What was sent is not of a kind the service takes (a file that is not a JPEG, PNG or WebP image)."""

    default_code = "unsupported_type"


class QuotaExceeded(DomainError):
    """Too much from one sender in a period (anonymous uploads per day); trying again makes sense after
    `retry_after` seconds."""

    default_code = "quota_exceeded"

    def __init__(self, detail: str, code: str | None = None, *, retry_after: int):
        super().__init__(detail, code)
        self.retry_after = retry_after
