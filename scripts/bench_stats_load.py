"""Intake latency while 60 anonymous /stats calls run (issue 10, defect 5), on a seeded PostgreSQL database.

Usage: N_ITEMS=3000 python scripts/bench_stats_load.py   (ORIGINAL=1 with PYTHONPATH=<old tree>: one "before" case)
"""

import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import psycopg

ADMIN = os.environ.get("HOTLINE_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
HOTLINE = str(Path(sys.executable).with_name("hotline"))
N_ITEMS = int(os.environ.get("N_ITEMS", "3000"))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def seed(url, data_dir):
    from common.settings import Settings
    from feedback_api.db import get_sessionmaker, upgrade_database
    from feedback_api.feedback.context import Actor, ServiceContext
    from feedback_api.feedback.intake import create_feedback
    from feedback_api.feedback.schemas import FeedbackCreate
    from knowledge_base.loader import load_directory

    settings = Settings(_env_file=None, database_url=url, data_dir=data_dir, jwt_secret="x" * 40, bot_password="b" * 20)
    upgrade_database(settings)
    ctx = ServiceContext(settings, load_directory(settings))
    maker = get_sessionmaker(settings)
    actor = Actor(name="seed", role="operator", agency=settings.coordinator_agency)
    now = datetime.now(UTC)
    with maker() as session:
        for i in range(N_ITEMS):
            body = FeedbackCreate(
                content=f"Đường ngập nước, rác thải ùn ứ ở khu phố {i}, đề nghị xử lý.",
                kind="complaint",
                channel="phone",
                received_at=now - timedelta(days=i % 300),
            )
            create_feedback(session, ctx, body, actor)


def run(label, url, data_dir, env):
    port = free_port()
    e = {k: v for k, v in os.environ.items() if not k.startswith("HOTLINE_")}
    e.update(
        {
            "DATABASE_URL": url,
            "HOTLINE_DATA_DIR": str(data_dir),
            "HOTLINE_EMBEDDING_MODEL": "none",
            "HOTLINE_JWT_SECRET": "x" * 40,
            "HOTLINE_BOT_PASSWORD": "b" * 20,
            "HOTLINE_OUTBOX_POLL_SECONDS": "0",
            "HOTLINE_SCHEDULER_INTERVAL_SECONDS": "0",
            "HOTLINE_BOT_EVENTS_ENABLED": "false",
            **env,
        }
    )
    p = subprocess.Popen(
        [HOTLINE, "serve", "--port", str(port)],
        env=e,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                if httpx.get(base + "/api/v1/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        body = {
            "content": "Tôi muốn góp ý chung về thái độ phục vụ, mong các cơ quan lưu tâm.",
            "kind": "complaint",
            "channel": "web",
        }

        def intake_times(n=15):
            out = []
            with httpx.Client(timeout=120) as c:
                for _ in range(n):
                    t = time.perf_counter()
                    r = c.post(base + "/api/v1/feedback", json=body)
                    out.append(time.perf_counter() - t)
                    assert r.status_code in (201, 429), r.text
            return out

        quiet = intake_times()
        statuses = []

        def stats_call():
            with httpx.Client(timeout=300) as c:
                statuses.append(c.get(base + "/api/v1/stats").status_code)

        threads = [threading.Thread(target=stats_call) for _ in range(60)]
        t0 = time.perf_counter()
        for t in threads:
            t.start()
        time.sleep(0.2)
        loaded = intake_times()
        for t in threads:
            t.join()
        total = time.perf_counter() - t0
        print(
            json.dumps(
                {
                    "case": label,
                    "intake_ms_quiet_median": round(statistics.median(quiet) * 1000),
                    "intake_ms_under_stats_median": round(statistics.median(loaded) * 1000),
                    "intake_ms_under_stats_max": round(max(loaded) * 1000),
                    "stats_200": statuses.count(200),
                    "stats_429": statuses.count(429),
                    "stats_wall_s": round(total, 1),
                }
            )
        )
    finally:
        os.killpg(p.pid, signal.SIGTERM)
        p.wait(20)


if __name__ == "__main__":
    name = f"hotline_bench_{uuid.uuid4().hex[:8]}"
    admin = psycopg.connect(ADMIN, autocommit=True)
    admin.execute(f'CREATE DATABASE "{name}"')
    url = f"postgresql://postgres@127.0.0.1:5432/{name}"
    data_dir = f"/tmp/{name}"
    try:
        t = time.time()
        seed(url, data_dir)
        print("seeded", N_ITEMS, "items in", round(time.time() - t, 1), "s", flush=True)
        if os.environ.get("ORIGINAL"):
            run("original code (f7e5f3a), default settings", url, data_dir, {})
        else:
            run(
                "new code, cache only (limits off)",
                url,
                data_dir,
                {"HOTLINE_STATS_RATE_LIMIT_PER_MINUTE": "0", "HOTLINE_RATE_LIMIT_PER_MINUTE": "1000"},
            )
            run("new code, defaults (cache 60 s + /stats 10/min)", url, data_dir, {})
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
