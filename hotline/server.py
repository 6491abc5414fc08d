"""How `hotline serve` runs uvicorn: no proxy-header trust of its own, and a header timeout.

- proxy_headers off: uvicorn would otherwise believe X-Forwarded-For from 127.0.0.1 by default; the
  service decides itself, from settings.trusted_proxies (feedback_api.edge.clients).
- HeaderTimeoutProtocol: uvicorn has a keep-alive timeout but none for a request's headers, so a client
  sending one header byte every few seconds (slowloris) holds a connection for ever. Here the request
  line and headers must arrive within settings.header_timeout_seconds of the connection opening or of
  the request's first byte; otherwise the server answers 408 and closes.
"""

from __future__ import annotations

import asyncio

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

REQUEST_TIMEOUT = b"HTTP/1.1 408 Request Timeout\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"


def _header_timeout() -> float:
    from common.settings import get_settings

    return float(get_settings().header_timeout_seconds)


class HeaderTimeoutProtocol(H11Protocol):
    header_timeout: float | None = None  # seconds; read from the settings once per process

    def connection_made(self, transport) -> None:  # asyncio.Transport (uvicorn narrows BaseProtocol's type)
        super().connection_made(transport)
        if HeaderTimeoutProtocol.header_timeout is None:
            HeaderTimeoutProtocol.header_timeout = _header_timeout()
        self._header_timer: asyncio.TimerHandle | None = None
        self._arm()

    def _arm(self) -> None:
        timeout = self.header_timeout
        if self._header_timer is None and timeout is not None and timeout > 0:
            self._header_timer = self.loop.call_later(timeout, self._on_header_timeout)

    def _disarm(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def data_received(self, data: bytes) -> None:
        if self.conn.their_state is h11.IDLE:
            self._arm()  # the first bytes of a (next) request: its headers are due in time
        super().data_received(data)
        if self.conn.their_state is not h11.IDLE:
            self._disarm()  # headers complete

    def handle_events(self) -> None:
        super().handle_events()
        if self.conn.their_state is not h11.IDLE:
            self._disarm()

    def _on_header_timeout(self) -> None:
        self._header_timer = None
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            self.logger.info("request headers not received in %.0f s; connection closed", self.header_timeout)
            self.transport.write(REQUEST_TIMEOUT)
            self.transport.close()

    def connection_lost(self, exc) -> None:
        self._disarm()
        super().connection_lost(exc)
