"""The signed event contract shared by the outbox (sender) and the bot (receiver)."""

from __future__ import annotations

import hashlib
import hmac

from hypothesis import given
from hypothesis import strategies as st

from common.signing import sign, verify


def test_signature_is_hmac_sha256_of_raw_body():
    body = '{"event":"feedback.created","x":"phản ánh"}'.encode()
    expected = hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    assert sign("s3cret", body) == f"sha256={expected}"
    assert verify("s3cret", body, sign("s3cret", body))
    assert not verify("s3cret", body + b" ", sign("s3cret", body))
    assert not verify("other", body, sign("s3cret", body))
    assert not verify("s3cret", body, None)
    assert not verify("", body, sign("", body))  # no secret configured: nothing verifies


@given(st.binary(max_size=200), st.binary(min_size=1, max_size=200))
def test_any_change_of_the_body_breaks_the_signature(body, suffix):
    header = sign("k", body)
    assert verify("k", body, header)
    assert not verify("k", body + suffix, header)
