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
        if isinstance(record.args, tuple) and len(record.args) == 5 and isinstance(record.args[2], str):
            args = list(record.args)
            args[2] = loggable(_CHAT_SESSION.sub(r"\1…", args[2].split("?", 1)[0]))  # masked, escaped
            record.args = tuple(args)
        return True


def install_access_log_filter() -> None:
    logger = logging.getLogger("uvicorn.access")
    if not any(isinstance(existing, DropQueryString) for existing in logger.filters):
        logger.addFilter(DropQueryString())
