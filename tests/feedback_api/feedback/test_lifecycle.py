"""Every allowed and every forbidden (status, action) pair of the PAKN state machine."""

import itertools

import pytest

from feedback_api.feedback.lifecycle import (
    HANDLED_STATUSES,
    OPEN_STATUSES,
    TERMINAL,
    TRANSITIONS,
    Action,
    InvalidTransition,
    Status,
    allowed_actions,
    next_status,
)

S, A = Status, Action

# Written out independently of the module so a change to the table must be made twice, on purpose.
EXPECTED = {
    (S.received, A.assign): S.assigned,
    (S.returned, A.assign): S.assigned,
    (S.transferred, A.assign): S.assigned,
    (S.assigned, A.start): S.in_progress,
    (S.transferred, A.start): S.in_progress,
    (S.assigned, A.transfer): S.transferred,
    (S.in_progress, A.transfer): S.transferred,
    (S.assigned, A.return_to_coordinator): S.returned,
    (S.in_progress, A.return_to_coordinator): S.returned,
    (S.transferred, A.return_to_coordinator): S.returned,
    (S.assigned, A.request_info): S.needs_info,
    (S.in_progress, A.request_info): S.needs_info,
    (S.needs_info, A.provide_info): S.in_progress,
    (S.assigned, A.answer): S.answered,
    (S.in_progress, A.answer): S.answered,
    (S.answered, A.publish): S.published,
    (S.answered, A.close): S.closed,
    (S.published, A.close): S.closed,
    (S.rejected, A.close): S.closed,
    (S.merged, A.close): S.closed,
    # "Không hài lòng": back to the same agency (new deadline set by the transition's handler).
    (S.answered, A.reopen): S.assigned,
    (S.published, A.reopen): S.assigned,
}
for _status in (S.received, S.assigned, S.in_progress, S.transferred, S.returned, S.needs_info):
    EXPECTED[(_status, A.reject)] = S.rejected
    EXPECTED[(_status, A.merge)] = S.merged

ALL_PAIRS = list(itertools.product(Status, Action))
ALLOWED = [pair for pair in ALL_PAIRS if pair in EXPECTED]
FORBIDDEN = [pair for pair in ALL_PAIRS if pair not in EXPECTED]


def test_table_is_exactly_the_expected_one():
    assert TRANSITIONS == EXPECTED
    assert len(ALLOWED) == 34 and len(FORBIDDEN) == len(Status) * len(Action) - 34


@pytest.mark.parametrize(("status", "action"), ALLOWED, ids=lambda v: str(v))
def test_allowed_transition(status, action):
    assert next_status(status, action) is EXPECTED[(status, action)]
    assert next_status(str(status), str(action)) is EXPECTED[(status, action)]
    assert action in allowed_actions(status)


@pytest.mark.parametrize(("status", "action"), FORBIDDEN, ids=lambda v: str(v))
def test_forbidden_transition(status, action):
    with pytest.raises(InvalidTransition) as info:
        next_status(status, action)
    assert info.value.status == status and info.value.action == action
    assert "Không thể thực hiện" in info.value.message
    assert action not in allowed_actions(status)


def test_message_names_the_action_and_status_in_vietnamese():
    with pytest.raises(InvalidTransition) as info:
        next_status(S.received, A.publish)
    assert "công khai" in info.value.message and "Đã tiếp nhận" in info.value.message


@pytest.mark.parametrize(("status", "action"), [("bogus", "assign"), ("received", "fly"), ("", "")])
def test_unknown_strings_are_invalid_not_crashes(status, action):
    with pytest.raises(InvalidTransition):
        next_status(status, action)
    assert allowed_actions("bogus") == set()


def test_status_sets():
    assert TERMINAL == {S.closed}
    assert HANDLED_STATUSES == {S.answered, S.published, S.closed}
    assert OPEN_STATUSES == {S.received, S.assigned, S.in_progress, S.transferred, S.returned, S.needs_info}
    assert not OPEN_STATUSES & HANDLED_STATUSES
    for status in TERMINAL:
        assert allowed_actions(status) == set()
    # Every non-terminal status has a way forward, and every status is reachable from received.
    for status in set(Status) - TERMINAL:
        assert allowed_actions(status), status
    reachable, frontier = {S.received}, [S.received]
    while frontier:
        current = frontier.pop()
        for action in allowed_actions(current):
            target = next_status(current, action)
            if target not in reachable:
                reachable.add(target)
                frontier.append(target)
    assert reachable == set(Status)


def test_open_items_can_always_be_closed_eventually():
    # No open item is stuck: from each open status some path reaches closed.
    for start in OPEN_STATUSES:
        seen, frontier = {start}, [start]
        while frontier:
            current = frontier.pop()
            for action in allowed_actions(current):
                target = next_status(current, action)
                if target not in seen:
                    seen.add(target)
                    frontier.append(target)
        assert S.closed in seen, start


def test_publish_only_after_answer():
    assert {status for (status, action) in TRANSITIONS if action is A.publish} == {S.answered}
