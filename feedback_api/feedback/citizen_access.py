"""The citizen's key to an item: the last 4 digits of the phone given at intake, guarded against guessing.

10,000 possible answers are nothing to a script, so wrong answers are counted per tracking code and per
client (feedback_api.edge.guard): 5 wrong within 15 minutes lock the code's details for 15 minutes,
doubling on each repeat; 20 wrong in an hour lock the client. A locked code is refused before its
digits are compared, whoever asks, so a guesser spread over many addresses still gets nowhere.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from feedback_api.domain import Forbidden
from feedback_api.edge import guard
from feedback_api.feedback.models import Feedback
from feedback_api.feedback.queries import phone_last4_matches


def check_phone_digits(
    session: Session, settings, item: Feedback, last4: str | None, client_address: str | None, mismatch: str
) -> None:
    """Return when `last4` opens `item`; raise 429 (locked) or Forbidden(phone_mismatch) otherwise.

    `client_address` None: the caller is a signed-in account (the bot asks for many citizens from one
    address, so only the per-code lock applies to it)."""
    per_code, per_client = guard.phone_policies(settings)
    client = guard.client_tag(client_address, settings) if client_address is not None else None
    code_key = f"phone:{item.code}"
    client_key = f"phone-client:{client}" if client else None
    wait = guard.locked_seconds(session, [k for k in (code_key, client_key) if k])
    if wait:
        session.rollback()
        raise guard.too_many(wait, guard.PHONE_LOCKED, "phone_locked")
    matches = phone_last4_matches(item, last4)
    if matches:
        guard.record_success(session, code_key)
        return
    guard.record_failure(session, code_key, per_code, kind="phone_lockout", client=client)
    if client_key:
        guard.record_failure(session, client_key, per_client, kind="phone_client_lockout", client=client)
    raise Forbidden(mismatch, "phone_mismatch")
