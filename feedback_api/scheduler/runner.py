"""The background loops: outbox delivery every settings.outbox_poll_seconds and the reminder/escalation
pass every settings.scheduler_interval_seconds. Run inside `hotline serve` (app lifespan) or alone with
`hotline worker` (run_worker). A value <= 0 switches the corresponding loop off.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

import httpx

from common.db import is_database_unavailable
from feedback_api.db import get_sessionmaker
from feedback_api.edge import idempotency_service
from feedback_api.orm import utcnow
from feedback_api.outbox.delivery import TIMEOUT, OutboxDispatcher
from feedback_api.scheduler import service

log = logging.getLogger(__name__)


def scheduler_pass(settings, sessionmaker) -> int:
    from feedback_api.attachments.service import cleanup_unlinked

    now = utcnow()
    with sessionmaker() as session:
        issued = service.run_pass(session, settings, now)
    with sessionmaker() as session:
        idempotency_service.purge_expired(session, now)
    try:
        with sessionmaker() as session:
            removed = cleanup_unlinked(session, settings, now)
        if removed:
            log.info("deleted %d unlinked attachment(s)", removed)
    except Exception as exc:  # housekeeping must not stop reminders
        log.warning("attachment cleanup failed: %s", type(exc).__name__)
    for notice in issued:
        log.info("issued %s for %s (deadline %s)", notice.kind, notice.feedback_code, notice.due_at.isoformat())
    return len(issued)


async def _every(seconds: float, step, name: str, stop: asyncio.Event) -> None:
    while not stop.is_set():
        try:
            await step()
        except asyncio.CancelledError:
            raise
        except Exception as error:  # a bad pass must not kill the loop; the next pass retries
            if is_database_unavailable(error):  # an outage: one line per pass, not a traceback
                log.warning("%s pass skipped: database unavailable (%s)", name, type(error).__name__)
            else:
                log.exception("%s pass failed", name)
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=seconds)


class BackgroundWorker:
    def __init__(self, settings, sessionmaker=None, bot_transport: httpx.AsyncBaseTransport | None = None) -> None:
        """`bot_transport`: how the outbox reaches a bot mounted on the same app (in-process), instead of
        over HTTP at settings.api_base_url."""
        self.settings = settings
        self.sessionmaker = sessionmaker or get_sessionmaker(settings)
        self.bot_transport = bot_transport
        self.dispatcher = OutboxDispatcher(settings, self.sessionmaker)
        self.stop = asyncio.Event()
        self.tasks: list[asyncio.Task] = []

    async def _deliver(self) -> None:
        await self.dispatcher.drain()

    async def _schedule(self) -> None:
        await asyncio.to_thread(scheduler_pass, self.settings, self.sessionmaker)

    def start(self) -> None:
        if self.settings.outbox_poll_seconds > 0:
            # One connection pool for the worker's lifetime (keep-alive to the bot and webhooks).
            self.dispatcher.client = httpx.AsyncClient(timeout=TIMEOUT)
            if self.bot_transport is not None:
                self.dispatcher.bot_client = httpx.AsyncClient(transport=self.bot_transport, timeout=TIMEOUT)
            self.tasks.append(
                asyncio.create_task(_every(self.settings.outbox_poll_seconds, self._deliver, "outbox", self.stop))
            )
        if self.settings.scheduler_interval_seconds > 0:
            self.tasks.append(
                asyncio.create_task(
                    _every(self.settings.scheduler_interval_seconds, self._schedule, "scheduler", self.stop)
                )
            )

    async def close(self) -> None:
        self.stop.set()
        if self.tasks:
            done, pending = await asyncio.wait(self.tasks, timeout=15)
            for task in pending:
                task.cancel()
            await asyncio.gather(*self.tasks, return_exceptions=True)
        self.tasks.clear()
        if self.dispatcher.client is not None:
            await self.dispatcher.client.aclose()
            self.dispatcher.client = None
        if self.dispatcher.bot_client is not None:
            await self.dispatcher.bot_client.aclose()
            self.dispatcher.bot_client = None


async def _run_forever(settings) -> None:
    from feedback_api.db import upgrade_database

    await asyncio.to_thread(upgrade_database, settings)
    worker = BackgroundWorker(settings)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, worker.stop.set)
    worker.start()
    if not worker.tasks:
        log.warning("outbox_poll_seconds and scheduler_interval_seconds are both <= 0: nothing to do")
        return
    log.info(
        "worker running: outbox every %ss, scheduler every %ss",
        settings.outbox_poll_seconds,
        settings.scheduler_interval_seconds,
    )
    await worker.stop.wait()
    await worker.close()


def run_worker(settings) -> None:
    """`hotline worker`: scheduler and outbox delivery without the web server, until SIGINT/SIGTERM."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    asyncio.run(_run_forever(settings))
