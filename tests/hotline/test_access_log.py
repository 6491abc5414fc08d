"""The access log never carries query strings (they may hold phone digits or chat ids)."""

import logging

from hotline.logging_filters import DropQueryString


def _access_record(path: str) -> logging.LogRecord:
    return logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", path, "1.1", 200),
        None,
    )


def test_query_string_is_dropped_from_access_log_lines():
    record = _access_record("/api/v1/feedback/PA-2026-000123?phone_last4=4567")
    assert DropQueryString().filter(record)
    message = record.getMessage()
    assert "4567" not in message and "phone_last4" not in message
    assert "/api/v1/feedback/PA-2026-000123" in message


def test_other_records_pass_unchanged():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "plain %s", ("a?b",), None)
    assert DropQueryString().filter(record)
    assert record.getMessage() == "plain a?b"


def test_web_chat_session_id_is_masked():
    record = _access_record("/api/v1/chat/w-5b0e4c1e-0000-4000-8000-000000000001/history")
    assert DropQueryString().filter(record)
    message = record.getMessage()
    assert "5b0e4c1e" not in message and "/api/v1/chat/…/history" in message
    plain = _access_record("/api/v1/chat")
    DropQueryString().filter(plain)
    assert "/api/v1/chat " in plain.getMessage()
