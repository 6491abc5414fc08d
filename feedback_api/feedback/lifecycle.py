"""The PAKN (phản ánh, kiến nghị) state machine as one table.

Every transition the service may perform is a row in `TRANSITIONS`; anything else is an
`InvalidTransition`. Keeping it as data lets the API tests enumerate every allowed and every forbidden
(status, action) pair, and lets the database layer stay free of business rules.
"""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    received = "received"  # stored, not yet routed (the coordinator owns it)
    assigned = "assigned"  # an agency owns it
    in_progress = "in_progress"  # the agency is working on it
    answered = "answered"  # the agency answered the citizen
    published = "published"  # the (redacted) answer is public
    closed = "closed"  # nothing more will happen
    transferred = "transferred"  # moved to another agency, with a reason
    returned = "returned"  # misrouted: back to the coordinator
    needs_info = "needs_info"  # waiting for the citizen; the SLA clock pauses
    rejected = "rejected"  # out of scope (e.g. khiếu nại/tố cáo), with guidance
    merged = "merged"  # duplicate of another code


class Action(StrEnum):
    assign = "assign"
    start = "start"
    transfer = "transfer"
    return_to_coordinator = "return_to_coordinator"
    request_info = "request_info"
    provide_info = "provide_info"
    answer = "answer"
    publish = "publish"
    close = "close"
    reject = "reject"
    merge = "merge"
    reopen = "reopen"  # the citizen is not satisfied with the answer: back to the same agency


S, A = Status, Action

# Statuses where the item still waits for an answer (an agency or the coordinator owes one).
OPEN_STATUSES: frozenset[Status] = frozenset(
    {S.received, S.assigned, S.in_progress, S.transferred, S.returned, S.needs_info}
)
# "Handled" for the figures: the citizen got an answer. Note that an item closed after `reject` or
# `merge` is in status closed too; figures therefore count handling from the `answer` audit event.
HANDLED_STATUSES: frozenset[Status] = frozenset({S.answered, S.published, S.closed})
TERMINAL: frozenset[Status] = frozenset({S.closed})

# Before an answer exists an item can still turn out to be out of scope or a duplicate.
_UNANSWERED = (S.received, S.assigned, S.in_progress, S.transferred, S.returned, S.needs_info)

# (from status, action) -> to status. The single source of truth.
TRANSITIONS: dict[tuple[Status, Action], Status] = {
    # Routing: the coordinator (or a supervisor) gives the item to an agency.
    (S.received, A.assign): S.assigned,
    (S.returned, A.assign): S.assigned,
    (S.transferred, A.assign): S.assigned,
    # The owning agency starts work (also directly after receiving a transfer).
    (S.assigned, A.start): S.in_progress,
    (S.transferred, A.start): S.in_progress,
    # Moving between agencies.
    (S.assigned, A.transfer): S.transferred,
    (S.in_progress, A.transfer): S.transferred,
    (S.assigned, A.return_to_coordinator): S.returned,
    (S.in_progress, A.return_to_coordinator): S.returned,
    (S.transferred, A.return_to_coordinator): S.returned,
    # Asking the citizen for more information pauses the clock until they answer.
    (S.assigned, A.request_info): S.needs_info,
    (S.in_progress, A.request_info): S.needs_info,
    (S.needs_info, A.provide_info): S.in_progress,
    # Answer, publish, close.
    (S.assigned, A.answer): S.answered,
    (S.in_progress, A.answer): S.answered,
    (S.answered, A.publish): S.published,
    (S.answered, A.close): S.closed,
    (S.published, A.close): S.closed,
    (S.rejected, A.close): S.closed,
    (S.merged, A.close): S.closed,
    # "Không hài lòng": the same agency answers again, with a deadline of its own.
    (S.answered, A.reopen): S.assigned,
    (S.published, A.reopen): S.assigned,
    **{(status, A.reject): S.rejected for status in _UNANSWERED},
    **{(status, A.merge): S.merged for status in _UNANSWERED},
}

# Vietnamese labels for staff screens and error messages.
STATUS_LABELS: dict[Status, str] = {
    S.received: "Đã tiếp nhận",
    S.assigned: "Đã chuyển cơ quan xử lý",
    S.in_progress: "Đang xử lý",
    S.answered: "Đã trả lời",
    S.published: "Đã công khai",
    S.closed: "Đã đóng",
    S.transferred: "Đã chuyển cơ quan khác",
    S.returned: "Trả lại đầu mối",
    S.needs_info: "Chờ bổ sung thông tin",
    S.rejected: "Không thuộc phạm vi xử lý",
    S.merged: "Trùng lặp, đã gộp",
}
ACTION_LABELS: dict[Action, str] = {
    A.assign: "giao xử lý",
    A.start: "bắt đầu xử lý",
    A.transfer: "chuyển cơ quan khác",
    A.return_to_coordinator: "trả lại đầu mối",
    A.request_info: "yêu cầu bổ sung thông tin",
    A.provide_info: "bổ sung thông tin",
    A.answer: "trả lời",
    A.publish: "công khai",
    A.close: "đóng",
    A.reject: "từ chối (không thuộc phạm vi)",
    A.merge: "gộp trùng lặp",
    A.reopen: "mở lại (công dân chưa hài lòng)",
}


class InvalidTransition(ValueError):
    """`action` is not allowed from `status`; `.message` is shown to staff (Vietnamese)."""

    def __init__(self, status: Status | str, action: Action | str):
        self.status = status
        self.action = action
        action_label = ACTION_LABELS.get(Action(action), str(action)) if _is_member(action, Action) else str(action)
        self.message = (
            f"Không thể thực hiện thao tác “{action_label}” khi phản ánh đang ở trạng thái “{status_label(status)}”."
        )
        super().__init__(self.message)


def _is_member(value: object, enum: type[StrEnum]) -> bool:
    return value in enum._value2member_map_


def status_label(status: Status | str) -> str:
    """The Vietnamese label of a status; an unknown status string as it is."""
    return STATUS_LABELS.get(Status(status), str(status)) if _is_member(status, Status) else str(status)


def next_status(status: Status | str, action: Action | str) -> Status:
    """The status after `action`, or `InvalidTransition` (also for unknown status/action strings)."""
    if not (_is_member(status, Status) and _is_member(action, Action)):
        raise InvalidTransition(status, action)
    try:
        return TRANSITIONS[(Status(status), Action(action))]
    except KeyError:
        raise InvalidTransition(status, action) from None


def allowed_actions(status: Status | str) -> set[Action]:
    """Actions valid from `status` (empty for unknown statuses and for closed)."""
    return {action for (source, action) in TRANSITIONS if source == status}
