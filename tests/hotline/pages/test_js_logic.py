"""The pages' pure JavaScript run in Node: syntax, helpers, and console bodies accepted by the real API.

Skipped (with a message) where Node is not installed.
"""

from __future__ import annotations

import json
import subprocess

import pytest

from tests.hotline.pages.conftest import ASSETS


def run_node(node: str, script: str, payload=None):
    """Run `script` in Node with the assets folder as working directory; it prints one JSON value."""
    result = subprocess.run(
        [node, "-e", script], input=json.dumps(payload), capture_output=True, text=True, cwd=ASSETS, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize("path", sorted(ASSETS.glob("*.js")), ids=lambda p: p.name)
def test_javascript_parses(node, path):
    result = subprocess.run([node, "--check", str(path)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


HELPERS = r"""
const H = require("./common.js");
const out = {
  codes: ["pa-2026-123", " PA 2026 000045 ", "PA2026000045", "PA-2026-1234567", "abc", "", "PA-26-000001"]
    .map(H.normalizeCode),
  path: H.fillPath("/api/v1/feedback/{code}/staff-view", {code: "a/b?c"}),
  endpoint: H.endpoint("GET /api/v1/public/feedback", null, {q: "đèn đường", page: 2, agency: "", overdue: false, x: null}),
  missing: (() => { try { H.fillPath("/x/{code}", {}); return "no error"; } catch (e) { return "error"; } })(),
  errors: [H.errorMessage(422, {detail: "Thiếu trường bắt buộc “content” (nội dung)."}), H.errorMessage(0, null),
           H.errorMessage(503, null), H.errorMessage(404, {}), H.errorMessage(418, null)],
  due: [H.formatDue("2026-12-08T16:59:59.999999Z"), H.formatDue("2026-12-08T17:30:00Z"), H.formatDue(null)],
  dateTime: H.formatDateTime("2026-11-23T02:42:07.313135Z"),
  percent: [H.formatPercent(0.8125), H.formatPercent(1), H.formatPercent(null)],
  labels: [H.kindLabel("complaint"), H.kindLabel("recommendation"), H.channelLabel("walk_in"), H.actionLabel("return_to_coordinator")]
};
console.log(JSON.stringify(out));
"""


def test_common_helpers(node):
    out = run_node(node, HELPERS)
    assert out["codes"] == ["PA-2026-000123", "PA-2026-000045", "PA-2026-000045", None, None, None, None]
    assert out["path"] == "/api/v1/feedback/a%2Fb%3Fc/staff-view"
    assert out["endpoint"] == {
        "method": "GET",
        "url": "/api/v1/public/feedback?q=%C4%91%C3%A8n%20%C4%91%C6%B0%E1%BB%9Dng&page=2",
    }
    assert out["missing"] == "error"
    detail, offline, server, not_found, other = out["errors"]
    assert detail == "Thiếu trường bắt buộc “content” (nội dung)."
    assert "Không kết nối được máy chủ" in offline
    assert "sự cố" in server
    assert not_found == "Không tìm thấy dữ liệu được yêu cầu."
    assert "418" in other
    # Deadlines are the end of a working day in Vietnam (UTC+7): 16:59Z is still the 8th, 17:30Z the 9th.
    assert out["due"] == ["hết ngày 08/12/2026", "hết ngày 09/12/2026", "—"]
    assert "23/11/2026" in out["dateTime"] and "09:42" in out["dateTime"]
    assert out["percent"][0] in ("81,3 %", "81.3 %") and out["percent"][1] == "100 %" and out["percent"][2] == "—"
    assert out["labels"] == ["Phản ánh", "Kiến nghị", "Trực tiếp", "Trả lại đầu mối"]


AVAILABLE = r"""
const C = require("./console-actions.js");
const cases = JSON.parse(require("fs").readFileSync(0, "utf8"));
console.log(JSON.stringify(cases.map(([status, allowed, role]) =>
  C.availableActions({status: status, allowed_actions: allowed}, role).sort())));
"""


def test_offered_actions_match_lifecycle_and_permissions(node):
    """For every status × role the console offers exactly what the server would accept."""
    from feedback_api.auth.permissions import Extra, Role, scope
    from feedback_api.feedback.lifecycle import Status, allowed_actions

    cases, expected = [], []
    for status in Status:
        allowed = sorted(str(a) for a in allowed_actions(status))
        for role in Role:
            cases.append([str(status), allowed, str(role)])
            offered = {a for a in allowed if scope(role, a) is not None}
            if status == Status.published and scope(role, Extra.edit_publication) is not None:
                offered.add("edit_publication")
            expected.append(sorted(offered))
    assert run_node(node, AVAILABLE, cases) == expected


BODIES = r"""
const C = require("./console-actions.js");
const cases = JSON.parse(require("fs").readFileSync(0, "utf8"));
console.log(JSON.stringify(cases.map(([action, item, values]) => {
  const built = C.collectBody(C.fieldsFor(action, item), (f) => values[f.name]);
  return Object.assign({endpoint: C.ACTIONS[action].endpoint}, built);
})));
"""


def test_console_form_validation(node):
    cases = [
        ["reject", {}, {"reason": "Khiếu nại, không phải phản ánh"}],
        ["publish", {"publish_consent": False}, {"public_interest": True}],
        ["publish", {"publish_consent": True}, {"public_interest": True, "text": ""}],
        ["merge", {}, {"into": "pa 2026 5"}],
        ["merge", {}, {"into": "PA-2026"}],
        ["answer", {}, {"answer": "Đã xử lý"}],
        ["transfer", {}, {"agency": "SXD", "reason": "  "}],
        ["start", {}, {}],
    ]
    results = run_node(node, BODIES, cases)
    assert "Hướng dẫn" in results[0]["error"]
    assert results[1]["error"] == "Công khai vì lợi ích cộng đồng cần nêu lý do."
    # With consent the public-interest fields are not even shown, so nothing extra is sent.
    assert results[2] == {"endpoint": "POST /api/v1/feedback/{code}/publish", "body": {}}
    assert results[3]["body"] == {"into": "PA-2026-000005"}
    assert "không đúng dạng" in results[4]["error"]
    assert "10 ký tự" in results[5]["error"]
    assert "Lý do chuyển" in results[6]["error"]
    assert results[7]["body"] == {}


def _create(web, content: str, **extra) -> str:
    body = {
        "kind": "complaint",
        "channel": "web",
        "content": content,
        "publish_consent": True,
        "contact": {"phone": "0905 111 222"},
        **extra,
    }
    response = web.post("/api/v1/feedback", json=body)
    assert response.status_code == 201, response.text
    return response.json()["code"]


def test_console_bodies_are_accepted_by_the_api(node, web, pages_settings):
    """Bodies built by the console's own code drive real items through every action, as a supervisor."""
    from feedback_api.auth.service import create_user
    from feedback_api.db import get_sessionmaker

    with get_sessionmaker(pages_settings)() as session:
        create_user(session, "pages_supervisor", "password-for-tests", "supervisor", None)
    login = web.post("/api/v1/auth/token", data={"username": "pages_supervisor", "password": "password-for-tests"})
    assert login.status_code == 200, login.text
    headers = {"Authorization": f"Bearer {login.json()['access_token']}"}

    first = _create(web, "Đèn đường trên đường Phan Châu Trinh bị hỏng đã hai tuần, rất nguy hiểm.")
    second = _create(web, "Rác thải tập kết bừa bãi ở chợ, bốc mùi hôi ảnh hưởng người dân.")
    third = _create(web, "Tôi muốn khiếu nại quyết định xử phạt hành chính của phường.", confirmed_pakn=True)
    fourth = _create(web, "Cống thoát nước bị tắc, nước tràn lên đường mỗi khi mưa lớn.")
    no_consent = _create(web, "Đề nghị bổ sung biển báo giảm tốc độ gần trường tiểu học.", publish_consent=False)

    codes = {a["code"] for a in web.get("/api/v1/agencies").json()}
    assert {"SXD", "STP"} <= codes
    owner = web.get(f"/api/v1/feedback/{second}").json()["agency"]["code"]
    other = "SXD" if owner != "SXD" else "STP"
    agency = "STP" if other != "STP" else "SXD"
    steps = [
        (first, "request_info", {"question": "Xin cho biết đoạn đường cụ thể?"}, "needs_info"),
        (first, "provide_info", {"info": "Đoạn trước trường tiểu học."}, "in_progress"),
        (first, "answer", {"answer": "Đã thay bóng đèn ngày 20/11/2026."}, "answered"),
        (first, "publish", {"text": "Đã thay bóng đèn đường ngày 20/11/2026."}, "published"),
        (first, "edit_publication", {"text": "Cơ quan đã thay bóng đèn đường ngày 20/11/2026."}, "published"),
        (first, "close", {"reason": ""}, "closed"),
        (second, "transfer", {"agency": other, "reason": "Thuộc thẩm quyền cơ quan khác."}, "transferred"),
        (second, "start", {}, "in_progress"),
        (second, "return_to_coordinator", {"reason": "Không đúng thẩm quyền."}, "returned"),
        (second, "assign", {"agency": agency, "reason": ""}, "assigned"),
        (
            third,
            "reject",
            {"reason": "Đây là khiếu nại hành chính.", "guidance": "Gửi đơn khiếu nại tới UBND phường."},
            "rejected",
        ),
        (fourth, "merge", {"into": second.lower().replace("-", " ")}, "merged"),
        (no_consent, "answer", {"answer": "Đã lắp biển báo trước cổng trường."}, "answered"),
        (
            no_consent,
            "publish",
            {"public_interest": True, "reason": "Thông tin an toàn giao thông cho cộng đồng."},
            "published",
        ),
    ]
    items = {
        code: web.get(f"/api/v1/feedback/{code}/staff-view", headers=headers).json()
        for code in (first, second, third, fourth, no_consent)
    }
    built = run_node(node, BODIES, [[action, items[code], values] for code, action, values, _ in steps])
    assert {str(step[1]) for step in steps} >= {
        "assign",
        "start",
        "transfer",
        "return_to_coordinator",
        "request_info",
        "provide_info",
        "answer",
        "publish",
        "close",
        "reject",
        "merge",
        "edit_publication",
    }
    for (code, action, _, status), result in zip(steps, built, strict=False):
        assert "body" in result, (action, result)
        method, path = result["endpoint"].split(" ")
        response = web.request(method, path.replace("{code}", code), json=result["body"], headers=headers)
        assert response.status_code == 200, (action, response.text)
        assert response.json()["status"] == status, action


FIELDS = r"""
const C = require("./console-actions.js");
const out = {};
Object.keys(C.ACTIONS).forEach((name) => {
  out[name] = {endpoint: C.ACTIONS[name].endpoint,
               fields: C.ACTIONS[name].fields.map((f) => ({name: f.name, required: !!f.required, min: f.min || 0}))};
});
console.log(JSON.stringify(out));
"""


def _body_schema(openapi: dict, path: str) -> dict | None:
    """The JSON request body schema of POST `path` ($ref and Optional[...] resolved), None without a body."""
    body = openapi["paths"][path]["post"].get("requestBody")
    if body is None:
        return None
    schema = body["content"]["application/json"]["schema"]
    options = schema.get("anyOf", [schema])
    refs = [o["$ref"] for o in options if "$ref" in o]
    assert len(refs) == 1, (path, schema)
    return openapi["components"]["schemas"][refs[0].rsplit("/", 1)[1]]


def test_console_fields_match_request_body_schemas(node, served_app):
    """Every form field is a property of the endpoint's body; every required property has a required field."""
    openapi = served_app.openapi()
    actions = run_node(node, FIELDS)
    for name, spec in actions.items():
        path = spec["endpoint"].split(" ", 1)[1]
        schema = _body_schema(openapi, path)
        fields = {f["name"]: f for f in spec["fields"]}
        if schema is None:
            assert fields == {}, name
            continue
        properties = schema.get("properties", {})
        assert set(fields) <= set(properties), (name, set(fields) - set(properties))
        required = set(schema.get("required", []))
        assert required == {f for f, spec_ in fields.items() if spec_["required"]}, name
        for field, field_spec in fields.items():
            prop = properties[field]
            min_length = next((o.get("minLength") for o in prop.get("anyOf", [prop]) if "minLength" in o), None)
            if min_length is not None and field_spec["min"]:
                assert field_spec["min"] == min_length, (name, field)


INTAKE = r"""
const C = require("./console-actions.js");
const cases = JSON.parse(require("fs").readFileSync(0, "utf8"));
const now = Date.parse("2026-11-23T03:00:00Z");
console.log(JSON.stringify(cases.map((values) => C.intakeBody(values, now))));
"""


def test_operator_intake_body_is_accepted_with_received_at(node, web, pages_settings):
    """A call logged in the console keeps the time the citizen called (Vietnam time), not the time of typing."""
    from datetime import datetime

    from feedback_api.auth.service import create_user
    from feedback_api.db import get_sessionmaker

    full = {
        "kind": "complaint",
        "channel": "phone",
        "content": "  Nước sinh hoạt bị đục nhiều ngày ở thôn 3.  ",
        "location": "Xã Điện Hòa",
        "name": "Lê Văn Cường",
        "phone": "0235 3812 345",
        "email": "",
        "publish_consent": True,
        "received_at": "2026-11-20T08:30",
    }
    cases = [
        full,
        dict(full, content="ngắn"),
        dict(full, received_at="2026-11-24T08:30"),
        dict(full, received_at="hôm qua"),
        dict(full, name="", phone="", received_at=""),
    ]
    built = run_node(node, INTAKE, cases)
    body = built[0]["body"]
    assert body == {
        "kind": "complaint",
        "channel": "phone",
        "content": "Nước sinh hoạt bị đục nhiều ngày ở thôn 3.",
        "publish_consent": True,
        "location": "Xã Điện Hòa",
        "contact": {"name": "Lê Văn Cường", "phone": "0235 3812 345"},
        "received_at": "2026-11-20T08:30:00+07:00",
    }
    assert "10 ký tự" in built[1]["error"]
    assert "tương lai" in built[2]["error"]
    assert "không hợp lệ" in built[3]["error"]
    assert "contact" not in built[4]["body"] and "received_at" not in built[4]["body"]

    with get_sessionmaker(pages_settings)() as session:
        create_user(session, "pages_operator", "password-for-tests", "operator", pages_settings.coordinator_agency)
    token = web.post("/api/v1/auth/token", data={"username": "pages_operator", "password": "password-for-tests"})
    headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
    created = web.post("/api/v1/feedback", json=body, headers=headers)
    assert created.status_code == 201, created.text
    view = web.get(f"/api/v1/feedback/{created.json()['code']}/staff-view", headers=headers).json()
    assert datetime.fromisoformat(view["received_at"]) == datetime.fromisoformat("2026-11-20T08:30:00+07:00")
    assert view["channel"] == "phone" and view["contact"]["phone"] == "0235 3812 345"
