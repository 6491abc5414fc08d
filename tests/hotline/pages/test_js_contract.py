"""The pages' JavaScript against the real server: endpoints, roles, statuses, safe DOM use.

These are drift checks: each compares what the JS says with what feedback_api actually serves or
enforces, so a renamed endpoint, a new lifecycle action or a changed permission fails here.
"""

from __future__ import annotations

import json
import re

import pytest

from tests.hotline.pages.conftest import ASSETS, STATIC

ENDPOINT_LITERAL = re.compile(r'"(GET|POST|PUT|PATCH|DELETE) (/api/v1/[^"\s]*)"')
JS_FILES = sorted(ASSETS.glob("*.js"))
HTML_FILES = sorted(STATIC.glob("*.html"))


def _code(text: str) -> str:
    """JavaScript without its comments (which may mention endpoints in prose)."""
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    return re.sub(r"(?m)^\s*//.*$|\s//\s.*$", "", text)


def _normalize(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "{}", path)


def _js(name: str) -> str:
    return (ASSETS / name).read_text(encoding="utf-8")


def _endpoints() -> list[tuple[str, str, str]]:
    """(file, METHOD, path) for every endpoint literal in the pages' JavaScript."""
    found = []
    for path in JS_FILES:
        for method, api_path in ENDPOINT_LITERAL.findall(_code(path.read_text(encoding="utf-8"))):
            found.append((path.name, method, api_path))
    return found


def _marked_json(source: str, marker: str) -> dict:
    match = re.search(rf"/\*{marker}\*/(\{{.*?\}})/\*END\*/", source, re.S)
    assert match, f"marker {marker} not found"
    return json.loads(match.group(1))


def test_js_files_exist():
    names = {p.name for p in JS_FILES}
    assert {
        "common.js",
        "home.js",
        "lookup.js",
        "public.js",
        "late.js",
        "stats.js",
        "staff.js",
        "console-actions.js",
    } <= names


def test_every_api_path_in_js_exists_in_openapi(served_app):
    schema_paths = {_normalize(p): ops for p, ops in served_app.openapi()["paths"].items()}
    endpoints = _endpoints()
    missing = [
        (f, m, p)
        for f, m, p in endpoints
        if _normalize(p) not in schema_paths or m.lower() not in schema_paths[_normalize(p)]
    ]
    assert missing == [], f"JS calls endpoints the app does not serve: {missing}"
    # The pages need at least these; losing one means a page silently stopped working.
    used = {(m, _normalize(p)) for _, m, p in endpoints}
    required = {
        ("POST", "/api/v1/feedback"),
        ("GET", "/api/v1/feedback"),
        ("GET", "/api/v1/feedback/{}"),
        ("GET", "/api/v1/feedback/{}/staff-view"),
        ("GET", "/api/v1/public/feedback"),
        ("GET", "/api/v1/stats"),
        ("POST", "/api/v1/auth/token"),
        ("GET", "/api/v1/agencies"),
        ("POST", "/api/v1/attachments"),
    }
    assert required <= used, required - used


@pytest.mark.parametrize("path", JS_FILES + HTML_FILES, ids=lambda p: p.name)
def test_api_paths_are_only_written_as_endpoint_literals(path):
    """No '/api/v1' built by string concatenation, so the OpenAPI check above sees every call."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".js":
        text = _code(text)
    assert text.count("/api/v1") == len(ENDPOINT_LITERAL.findall(text)), path.name


def test_role_actions_mirror_the_permission_matrix():
    from feedback_api.auth.permissions import MATRIX, Extra, Role
    from feedback_api.feedback.lifecycle import Action

    role_actions = _marked_json(_js("console-actions.js"), "ROLE_ACTIONS")
    offered = {str(a) for a in Action} | {str(Extra.edit_publication)}
    expected = {str(role): sorted(a for a in MATRIX[role] if a in offered) for role in Role}
    assert {role: sorted(actions) for role, actions in role_actions.items()} == expected


def test_status_labels_mirror_the_lifecycle():
    from feedback_api.feedback.lifecycle import STATUS_LABELS

    assert _marked_json(_js("console-actions.js"), "STATUS_LABELS") == {str(k): v for k, v in STATUS_LABELS.items()}


def test_every_lifecycle_action_has_a_console_endpoint(served_app):
    """Each action the console offers posts to the endpoint of that action (checked in the schema too)."""
    from feedback_api.feedback.lifecycle import Action

    source = _js("console-actions.js")
    declared = dict(re.findall(r'(\w+): \{\s*endpoint: "POST (/api/v1/feedback/\{code\}/[\w-]+)"', source))
    assert set(declared) == {str(a) for a in Action} | {"edit_publication"}
    last_segment = {"return_to_coordinator": "return", "edit_publication": "publication"}
    paths = served_app.openapi()["paths"]
    for action, path in declared.items():
        assert path.rsplit("/", 1)[1] == last_segment.get(action, action.replace("_", "-")), (action, path)
        assert "post" in paths[path], (action, path)


def test_landing_form_body_fields_exist_in_the_intake_schema(served_app):
    schema = served_app.openapi()["components"]["schemas"]["FeedbackCreate"]
    source = _js("home.js")
    block = re.search(r"var data = \{(.*?)\};", source, re.S).group(1)
    keys = set(re.findall(r"^\s*(\w+):", block, re.M)) | set(re.findall(r"\bdata\.(\w+) =", source))
    assert {"kind", "channel", "content", "publish_consent", "location", "contact", "attachments"} == keys
    assert keys <= set(schema["properties"])
    assert set(schema["required"]) <= keys
    contact = re.search(r"var contact = \{(.*?)\};", source, re.S).group(1)
    contact_keys = set(re.findall(r"(\w+): value\(", contact))
    assert contact_keys == set(served_app.openapi()["components"]["schemas"]["Contact"]["properties"])


# --- safe DOM, no third parties, no personal data in addresses ---------------------------------
HTML_SINKS = (
    "innerHTML",
    "outerHTML",
    "insertAdjacentHTML",
    "document.write",
    "eval(",
    "new Function",
    "DOMParser",
    "createContextualFragment",
    "srcdoc",
)


@pytest.mark.parametrize("path", JS_FILES, ids=lambda p: p.name)
def test_no_html_sinks_in_js(path):
    text = path.read_text(encoding="utf-8")
    found = [sink for sink in HTML_SINKS if sink in text]
    assert found == [], f"{path.name} uses {found}: API text must go through textContent"
    assert not re.search(r"setTimeout\(\s*[\"']", text), "setTimeout with a code string"
    assert "javascript:" not in text


@pytest.mark.parametrize("path", sorted(STATIC.rglob("*.*")), ids=lambda p: p.name)
def test_no_third_party_resources(path):
    """No CDN, fonts or trackers: every page works offline behind the province's network."""
    if path.suffix not in {".html", ".js", ".css", ".svg"}:
        return
    text = path.read_text(encoding="utf-8")
    if "vendor" in path.parts:  # a vendored library's licence banners name its home page; nothing is loaded
        text = re.sub(r"/\*!.*?\*/", "", text, flags=re.S)
    urls = [
        u
        for u in re.findall(r"(?:https?:)?//[\w.-]+\.[a-z]{2,}[^\s\"')]*", text)
        if not u.startswith("http://www.w3.org/2000/svg")
    ]
    assert urls == [], f"{path.name} references {urls}"
    assert "@import" not in text


def test_page_addresses_carry_no_personal_data():
    """The only query the pages put in their own address: the tracking code (?ma=) or months (?thang=, ?tu=,
    ?den=)."""
    params = set()
    for path in JS_FILES:
        text = path.read_text(encoding="utf-8")
        params |= set(re.findall(r'"/[a-z-]*\?(\w+)=', text))
        params |= set(re.findall(r'searchParams?\)?\.get\("(\w+)"\)', text))
        params |= set(re.findall(r'URLSearchParams\(window\.location\.search\)\.get\("(\w+)"\)', text))
    assert params == {"ma", "thang", "tu", "den"}
    everything = "".join(p.read_text(encoding="utf-8") for p in JS_FILES)
    assert "localStorage" not in everything  # the staff token lives in sessionStorage only
    assert everything.count("sessionStorage.setItem") == 1
    # What is kept in sessionStorage: the token and who signed in, never a password.
    staff = _js("staff.js")
    kept = re.search(r"session = \{ (token: [^}]*)\};", staff).group(1)
    assert set(re.findall(r"(\w+):", kept)) == {"token", "role", "agency", "username"}
