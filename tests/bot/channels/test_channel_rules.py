"""Pure rules of the channels: the Zalo OA signature and event translation, web chat body validation."""

from __future__ import annotations

import hashlib
import json

import pytest

from bot.channels.web import parse_chat_body
from bot.channels.zalo import expected_signature, inbound_from_event, message_body
from bot.channels.zalo import verify_signature as verify_zalo
from bot.messages import Button, Reply


def test_zalo_signature_is_sha256_of_appid_body_timestamp_secret():
    raw = json.dumps({"app_id": "123", "event_name": "user_send_text", "timestamp": "1700000000000"}).encode()
    mac = hashlib.sha256(b"123" + raw + b"1700000000000" + b"oa-key").hexdigest()
    assert expected_signature("123", raw, "1700000000000", "oa-key") == mac
    assert verify_zalo("123", "oa-key", raw, f"mac={mac}")
    assert verify_zalo("123", "oa-key", raw, mac)
    assert not verify_zalo("123", "wrong", raw, f"mac={mac}")
    assert not verify_zalo("999", "oa-key", raw, f"mac={mac}")  # event of another app
    assert not verify_zalo("123", "oa-key", raw + b" ", f"mac={mac}")
    assert not verify_zalo("123", "", raw, f"mac={mac}")  # unconfigured: reject everything


def test_zalo_translation_and_buttons():
    event = {
        "app_id": "1",
        "event_name": "user_send_text",
        "sender": {"id": "u1"},
        "recipient": {"id": "oa"},
        "message": {"text": "/procedure 1.001193", "msg_id": "m1"},
        "timestamp": "1",
    }
    inbound = inbound_from_event(event)
    assert (inbound.channel, inbound.user_id, inbound.text, inbound.event_id) == (
        "zalo",
        "u1",
        "/procedure 1.001193",
        "m1",
    )
    assert inbound_from_event({"event_name": "user_received_message"}) is None
    body = message_body("u1", Reply("x", [Button("Có", "/yes")]), "x")
    assert body["recipient"] == {"user_id": "u1"}
    assert body["message"]["attachment"]["payload"]["buttons"][0] == {
        "title": "Có",
        "type": "oa.query.hide",
        "payload": "/yes",
    }


@pytest.mark.parametrize(
    "raw,status",
    [
        (b"{broken", 400),
        (b"\xff\xfe", 400),
        (b"", 422),
        (b"[]", 422),
        (b'{"text": "hi"}', 422),
        (b'{"session_id": "", "text": "hi"}', 422),
        (b'{"session_id": "a b", "text": "hi"}', 422),
        (b'{"session_id": "s1", "text": 5}', 422),
        (b'{"session_id": "s1", "text": "' + b"a" * 10_001 + b'"}', 422),
    ],
)
def test_bad_chat_bodies_are_explained(raw, status):
    body, problem = parse_chat_body(raw)
    assert body is None and problem.status_code == status
    detail = json.loads(problem.body)
    assert detail["code"] and detail["detail"]


def test_good_chat_body():
    body, problem = parse_chat_body('{"session_id": "s-1", "text": "xin chào", "extra": 1}'.encode())
    assert problem is None and body == {"session_id": "s-1", "text": "xin chào", "payload": None, "title": None}
    body, _ = parse_chat_body(b'{"session_id": "s-1"}')
    assert body["text"] == ""
