"""Bot test fixtures: the real NLU parser and KB (loaded once per session), the real feedback app on a
fresh SQLite database per test (copied from a template migrated once), and local fake Bot/OA APIs.

`Harness` = feedback app (feedback_api.main.create_app) + `bot.web.install(app, ...)`; the bot reaches the
feedback API over HTTP through `httpx.ASGITransport(app)`, and tests talk to the app the same way.
"""

from __future__ import annotations

import os
import shutil

import pytest

from tests.bot.bot_harness import (
    BOT_EVENTS_SECRET,
    TELEGRAM_SECRET,
    TELEGRAM_TOKEN,
    ZALO_ACCESS_TOKEN,
    ZALO_APP_ID,
    ZALO_OA_SECRET,
    Harness,
)

os.environ.setdefault("HF_HUB_OFFLINE", "1")


@pytest.fixture(scope="session")
def anyio_backend():
    return "asyncio"


@pytest.fixture(scope="session")
def bot_nlu_settings(request, tmp_path_factory):
    """Data dir for the NLU index. Kept in pytest's cache dir between runs when available: the index is
    keyed by the KB content hash and model id and rebuilt when stale, so reuse is safe and saves ~30 s."""
    from common.settings import Settings

    try:
        data_dir = request.config.cache.mkdir("bot-nlu-data")
    except Exception:  # cache provider disabled
        data_dir = tmp_path_factory.mktemp("bot-nlu-data")
    return Settings(_env_file=None, data_dir=data_dir)


@pytest.fixture(scope="session")
def bot_parser(bot_nlu_settings):
    from nlu.pipeline import Parser

    return Parser(bot_nlu_settings)


@pytest.fixture(scope="session")
def bot_kb(bot_nlu_settings):
    from knowledge_base.loader import load_knowledge_base

    return load_knowledge_base(bot_nlu_settings)


@pytest.fixture(scope="session")
def fb_template(tmp_path_factory):
    from common.db import dispose_engine
    from feedback_api.db import upgrade_url

    path = tmp_path_factory.mktemp("bot-db-template") / "template.db"
    url = f"sqlite:///{path}"
    upgrade_url(url)
    dispose_engine(url)
    return path


@pytest.fixture(scope="session")
def fake_telegram():
    from tests.bot.bot_fakes import FakeTelegram

    server = FakeTelegram()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def fake_zalo():
    from tests.bot.bot_fakes import FakeZalo

    server = FakeZalo()
    yield server
    server.stop()


@pytest.fixture
def bot_settings(tmp_path, fb_template, fake_telegram, fake_zalo):
    from common.settings import Settings

    fake_telegram.reset()
    fake_zalo.reset()
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    shutil.copyfile(fb_template, data_dir / "hotline.db")
    return Settings(
        _env_file=None,
        data_dir=data_dir,
        database_url=f"sqlite:///{data_dir / 'hotline.db'}",
        api_base_url="http://hotline.test",
        jwt_secret="test-jwt-secret-please-change-0123456789abcdef",
        bot_password="bot-password-for-tests",
        bot_events_secret=BOT_EVENTS_SECRET,
        bot_events_enabled=True,
        webhooks=[],
        rate_limit_per_minute=1_000_000,
        telegram_token=TELEGRAM_TOKEN,
        telegram_webhook_secret=TELEGRAM_SECRET,
        telegram_base_url=fake_telegram.base_url,
        zalo_app_id=ZALO_APP_ID,
        zalo_oa_secret_key=ZALO_OA_SECRET,
        zalo_oa_access_token=ZALO_ACCESS_TOKEN,
        zalo_api_base=fake_zalo.url,
    )


@pytest.fixture
def harness(bot_settings, bot_parser, bot_kb):
    return Harness(bot_settings, bot_parser, bot_kb)
