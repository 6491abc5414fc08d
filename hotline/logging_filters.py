"""Keep personal data out of the access log.

Query strings can carry the last digits of a citizen's phone (`?phone_last4=`) or a chat id, so the
access log records the path only, with control characters escaped. A web chat's session id in a path
(`/api/v1/chat/<session>/history`) is the key to that conversation's transcript, so it is masked too.
"""

from __future__ import annotations

import logging
import re

from common.text import loggable

_CHAT_SESSION = re.compile(r"^(/api/v1/chat/)[^/]+")


class DropQueryString(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        # uvicorn.access records: args = (client_addr, method, full_path, http_version, status_code)
        args = record.args
        if isinstance(args, tuple) and len(args) == 5 and isinstance(path := args[2], str):
            masked = loggable(_CHAT_SESSION.sub(r"\1…", path.split("?", 1)[0]))  # masked, escaped
            record.args = (*args[:2], masked, *args[3:])
        return True


def install_access_log_filter() -> None:
    logger = logging.getLogger("uvicorn.access")
    if not any(isinstance(existing, DropQueryString) for existing in logger.filters):
        logger.addFilter(DropQueryString())
