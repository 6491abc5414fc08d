"""Fixtures of the feedback API tests, on top of the shared ones in tests/conftest.py (database_url, settings,
app, client, tokens):

- `api`: submitting items and driving them to any status via the API;
- `receiver` and `ops_settings`: a real HTTP receiver on 127.0.0.1 and the settings with one webhook to it,
  for the outbox delivery (outbox/) and the background loops (scheduler/).
"""

from __future__ import annotations

from collections import deque
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from feedback_api.db import get_sessionmaker, upgrade_database
from feedback_api.feedback.lifecycle import TRANSITIONS, Action, Status
from feedback_api.feedback.models import Feedback
from feedback_api.main import create_app
from tests.feedback_api.receiver import start_receiver

STAFF_AGENCY = "STP"
OTHER_AGENCY = "SXD"
WEBHOOK_SECRET = "national-pakn-secret"
# A citizen's complaint on the web, as submitted to POST /api/v1/feedback.
BODY = {
    "content": "Đèn đường đường Trần Phú bị hỏng ba ngày nay, buổi tối rất tối.",
    "kind": "complaint",
    "channel": "web",
}
# Content that names no category or place, so routing leaves it with the coordinator (status received).
UNROUTED_CONTENT = "Tôi muốn góp ý chung về thái độ phục vụ, mong các cơ quan lưu tâm hơn nữa."
RECEIVED_AT = datetime(2026, 3, 2, 1, 30, tzinfo=UTC)
CONTACT = {"name": "Nguyễn Văn Hùng", "phone": "0905 123 456", "email": "hung.nguyen@example.com"}

ACTION_PATH = {
    Action.assign: "assign",
    Action.start: "start",
    Action.transfer: "transfer",
    Action.return_to_coordinator: "return",
    Action.request_info: "request-info",
    Action.provide_info: "provide-info",
    Action.answer: "answer",
    Action.publish: "publish",
    Action.close: "close",
    Action.reject: "reject",
    Action.merge: "merge",
    Action.reopen: "reopen",
}


def action_body(action: Action, *, merge_into: str | None = None, current_agency: str | None = None) -> dict:
    """A valid body for `action` on an item currently owned by `current_agency`."""
    return {
        Action.assign: {"agency": STAFF_AGENCY if current_agency != STAFF_AGENCY else OTHER_AGENCY},
        Action.start: {},
        Action.transfer: {
            "agency": OTHER_AGENCY if current_agency != OTHER_AGENCY else STAFF_AGENCY,
            "reason": "Nội dung thuộc thẩm quyền cơ quan khác",
        },
        Action.return_to_coordinator: {"reason": "Không thuộc thẩm quyền, trả lại đầu mối"},
        Action.request_info: {"question": "Xin cho biết địa điểm cụ thể?"},
        Action.provide_info: {"info": "Tại ngã tư gần chợ"},
        Action.answer: {"answer": "Cơ quan đã kiểm tra và xử lý xong, cảm ơn ông Hùng đã phản ánh."},
        Action.publish: {},
        Action.close: {},
        Action.reject: {"reason": "Đây là đơn khiếu nại", "guidance": "Đề nghị gửi đơn khiếu nại theo Luật Khiếu nại"},
        Action.merge: {"into": merge_into},
        Action.reopen: {"reason": "Công dân gọi tổng đài: chưa hài lòng với câu trả lời"},
    }[action]


def paths_to_statuses(start: Status = Status.received) -> dict[Status, list[Action]]:
    """Shortest action path from `start` to every reachable status (BFS over the lifecycle table)."""
    paths: dict[Status, list[Action]] = {start: []}
    queue = deque([start])
    while queue:
        status = queue.popleft()
        for (source, action), target in sorted(TRANSITIONS.items()):
            if source == status and target not in paths:
                paths[target] = paths[status] + [action]
                queue.append(target)
    return paths


PATHS = paths_to_statuses()


class Api:
    """The test's handle on the API; also carries the helpers above (tests cannot import conftest)."""

    paths = PATHS
    action_body = staticmethod(action_body)
    action_path = ACTION_PATH
    staff_agency = STAFF_AGENCY
    other_agency = OTHER_AGENCY
    contact = CONTACT
    unrouted_content = UNROUTED_CONTENT

    def __init__(self, client, tokens):
        self.client = client
        self.tokens = tokens

    def submit(self, *, headers=None, expect=201, **overrides) -> dict:
        body = {
            "content": UNROUTED_CONTENT,
            "kind": "complaint",
            "channel": "web",
            "contact": CONTACT,
            "publish_consent": True,
        } | overrides
        response = self.client.post("/api/v1/feedback", json=body, headers=headers or {})
        assert response.status_code == expect, response.text
        return response.json()

    def act(self, code: str, action: Action, body: dict | None = None, headers: dict | None = None):
        return self.client.post(
            f"/api/v1/feedback/{code}/{ACTION_PATH[action]}",
            json=body if body is not None else {},
            headers=headers or {},
        )

    def staff_view(self, code: str) -> dict:
        response = self.client.get(f"/api/v1/feedback/{code}/staff-view", headers=self.tokens["supervisor"])
        assert response.status_code == 200, response.text
        return response.json()

    def item_in(self, status: Status, **submit) -> str:
        """A fresh item driven through the API (as a supervisor) into `status`."""
        created = self.submit(**submit)
        code = created["code"]
        path = paths_to_statuses(Status(created["status"])).get(status)
        assert path is not None, f"cannot reach {status} from {created['status']}: use unrouted content"
        merge_target, agency = None, created["agency"]
        for action in path:
            if action == Action.merge and merge_target is None:
                merge_target = self.submit()["code"]
            body = action_body(action, merge_into=merge_target, current_agency=agency)
            response = self.act(code, action, body, self.tokens["supervisor"])
            assert response.status_code == 200, (status, action, response.text)
            agency = response.json()["agency"]
        assert self.staff_view(code)["status"] == status
        return code


def count_items(settings) -> int:
    with get_sessionmaker(settings)() as session:
        return session.scalar(select(func.count()).select_from(Feedback))


def feedback_row(code: str = "PA-2026-000001", received_at: datetime = RECEIVED_AT, **fields) -> Feedback:
    """An item as stored, without intake: a complaint received on the web for TTPVHCC, due in 14 days."""
    values = {
        "code": code,
        "year": int(code[3:7]),
        "seq": int(code[-6:]),
        "kind": "complaint",
        "channel": "web",
        "content": "Nội dung phản ánh thử",
        "status": "received",
        "agency_code": "TTPVHCC",
        "routing_reason": "thử",
        "received_at": received_at,
        "forward_due_at": received_at,
        "due_at": received_at + timedelta(days=14),
        "attachments": [],
    }
    return Feedback(**{**values, **fields})


def client_with(settings, **changes) -> TestClient:
    """A client of the service with these settings changed (a limit, a size) from the test's `settings`."""
    return TestClient(create_app(settings.model_copy(update=changes)))


@pytest.fixture
def api(client, tokens):
    return Api(client, tokens)


@pytest.fixture
def receiver():
    rec = start_receiver()
    yield rec
    rec.server.shutdown()
    rec.server.server_close()


@pytest.fixture
def ops_settings(settings, receiver):
    """The shared settings with one webhook (the national PAKN connector) pointing at the local receiver,
    the bot target off, short retry parameters and no background loops (tests drive them directly)."""
    updated = settings.model_copy(
        update={
            "webhooks": [{"name": "national", "url": f"{receiver.url}/pakn", "secret": WEBHOOK_SECRET}],
            "bot_events_enabled": False,
            "outbox_max_attempts": 3,
            "outbox_backoff_base_seconds": 10.0,
            "outbox_backoff_max_seconds": 3600.0,
            "outbox_poll_seconds": 0,
            "scheduler_interval_seconds": 0,
        }
    )
    upgrade_database(updated)
    return updated
