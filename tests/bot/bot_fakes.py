"""Local HTTP servers (127.0.0.1) standing in for the Telegram Bot API and the Zalo OA API.

They speak the real wire formats (PTB posts form-encoded parameters, JSON-encoded where nested; Zalo
takes JSON with an access_token header) and record every call so tests can assert what was sent.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

# A real JPEG header is all the attachment service checks (magic bytes); the rest is filler.
JPEG_BYTES = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 200 + b"\xff\xd9"


class _Server:
    def __init__(self):
        self.calls: list[dict] = []
        self._lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output clean
                pass

            def _reply(self, status: int, body, content_type="application/json"):
                data = body if isinstance(body, bytes) else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                owner.handle(self, "GET", b"")

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                owner.handle(self, "POST", self.rfile.read(length))

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def record(self, call: dict) -> None:
        with self._lock:
            self.calls.append(call)

    def reset(self) -> None:
        with self._lock:
            self.calls.clear()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def handle(self, request, method: str, body: bytes) -> None:  # pragma: no cover - overridden
        raise NotImplementedError


class FakeTelegram(_Server):
    """Bot API at {url}/bot<token>/<method>, files at {url}/file/bot<token>/<path>."""

    def __init__(self):
        super().__init__()
        self.next_message_id = 1000
        self.pending_updates: list[dict] = []

    def queue_updates(self, updates: list[dict]) -> None:
        """Served by getUpdates (polling mode), each once."""
        with self._lock:
            self.pending_updates.extend(updates)

    @property
    def base_url(self) -> str:
        return self.url + "/bot"

    def sent(self, method: str = "sendMessage") -> list[dict]:
        with self._lock:
            return [c["params"] for c in self.calls if c["method"] == method]

    def handle(self, request, method: str, body: bytes) -> None:
        path = request.path
        if method == "GET" and path.startswith("/file/bot"):
            self.record({"method": "download", "params": {"path": path}})
            request._reply(200, JPEG_BYTES, "image/jpeg")
            return
        api_method = path.rsplit("/", 1)[-1]
        params = _form_or_json(request.headers.get("Content-Type", ""), body)
        self.record({"method": api_method, "params": params})
        now = int(time.time())
        if api_method == "getMe":
            result = {
                "id": 777000,
                "is_bot": True,
                "first_name": "Tong dai 1022",
                "username": "hotline1022_bot",
                "can_join_groups": False,
                "can_read_all_group_messages": False,
                "supports_inline_queries": False,
            }
        elif api_method in ("sendMessage", "sendPhoto"):
            self.next_message_id += 1
            result = {
                "message_id": self.next_message_id,
                "date": now,
                "chat": {"id": int(params.get("chat_id", 0)), "type": "private"},
                "from": {"id": 777000, "is_bot": True, "first_name": "Tong dai 1022"},
                "text": params.get("text", ""),
            }
        elif api_method == "getFile":
            result = {
                "file_id": params.get("file_id"),
                "file_unique_id": "uniq1",
                "file_size": len(JPEG_BYTES),
                "file_path": "photos/file_1.jpg",
            }
        elif api_method == "getUpdates":
            offset = int(params.get("offset") or 0)
            with self._lock:
                result = [u for u in self.pending_updates if u["update_id"] >= offset]
                self.pending_updates = result[:]
            if not result:
                time.sleep(0.05)  # a short "long poll"
        elif api_method in ("answerCallbackQuery", "setWebhook", "deleteWebhook"):
            result = True
        else:
            request._reply(404, {"ok": False, "error_code": 404, "description": "Not Found"})
            return
        request._reply(200, {"ok": True, "result": result})


class FakeZalo(_Server):
    """OA API: POST {url}/v3.0/oa/message/cs; images at {url}/img/<name>.jpg."""

    def messages(self) -> list[dict]:
        with self._lock:
            return [c for c in self.calls if c["path"] == "/v3.0/oa/message/cs"]

    def handle(self, request, method: str, body: bytes) -> None:
        if method == "GET" and request.path.startswith("/img/"):
            self.record({"path": request.path, "method": "GET"})
            request._reply(200, JPEG_BYTES, "image/jpeg")
            return
        call = {
            "path": request.path,
            "method": method,
            "access_token": request.headers.get("access_token"),
            "body": json.loads(body or b"{}"),
        }
        self.record(call)
        if request.path != "/v3.0/oa/message/cs":
            request._reply(404, {"error": -404, "message": "not found"})
            return
        if call["access_token"] != "zalo-access-token":
            request._reply(200, {"error": -216, "message": "Access token is invalid"})
            return
        request._reply(
            200,
            {
                "error": 0,
                "message": "Success",
                "data": {
                    "message_id": f"m{len(self.calls)}",
                    "user_id": call["body"].get("recipient", {}).get("user_id"),
                },
            },
        )


def _form_or_json(content_type: str, body: bytes) -> dict:
    if not body:
        return {}
    if content_type.startswith("application/json"):
        return json.loads(body)
    if content_type.startswith("multipart/form-data"):
        return {"multipart": True}
    params = {}
    for key, values in parse_qs(body.decode(), keep_blank_values=True).items():
        value = values[0]
        try:
            params[key] = json.loads(value) if value[:1] in "[{" else value
        except ValueError:
            params[key] = value
    return params
