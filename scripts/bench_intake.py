#!/usr/bin/env python
"""Intake benchmark: POST /api/v1/feedback against the real app on PostgreSQL.

Starts uvicorn (the feedback app, `feedback_api.main:create_app`) on 127.0.0.1 in a subprocess against a
fresh PostgreSQL database, drives it with N concurrent keep-alive clients posting realistic
submissions (Vietnamese text, places, contacts, channels, Idempotency-Key on channel retries) for a
bounded time or count, and reports submissions/s, latency percentiles and CPU per submission (server,
PostgreSQL, load generator). Then checks that every 201 is a stored item with its audit and outbox rows
(no lost records) and drops the database. The default load generator is a lean raw-socket HTTP/1.1
client (~0.3 ms CPU per request); `--client httpx` costs ~4 ms per request, which on a 2-core machine
shared with the server and PostgreSQL measures mostly the load generator.

This is a benchmark script, not a test. Examples:
    .venv/bin/python scripts/bench_intake.py                       # 32 clients, 20 s, 1 worker
    .venv/bin/python scripts/bench_intake.py --workers 2 --clients 64
    .venv/bin/python scripts/bench_intake.py --profile 300         # where the time goes (in-process)

Report the machine load (`uptime`) with the numbers: the load generator and PostgreSQL share the cores.

The rate limit stays installed but with a very high limit (all requests come from one address); the
outbox delivery loop is off during the measured window (rows are still written in the intake
transaction, as in production) unless --deliver is given.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PG = os.environ.get("HOTLINE_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")

PROBLEMS = [
    ("Đèn đường {place} bị hỏng hơn một tuần, buổi tối rất tối và nguy hiểm cho người đi đường.", "complaint"),
    ("Rác thải đổ bừa bãi ở {place}, bốc mùi hôi thối, đề nghị cơ quan chức năng thu gom.", "complaint"),
    ("Cống thoát nước tại {place} bị tắc, mỗi khi mưa nước tràn vào nhà dân.", "complaint"),
    ("Quán karaoke gần {place} hát to sau 23 giờ, ảnh hưởng giấc ngủ của bà con.", "complaint"),
    ("Mặt đường {place} có ổ gà lớn, đã có người bị té xe, đề nghị sửa chữa sớm.", "complaint"),
    ("Đề nghị lắp thêm biển báo giảm tốc độ trước cổng trường ở {place}.", "recommendation"),
    ("Đề nghị bố trí thêm thùng rác công cộng dọc {place} vì khách du lịch đông.", "recommendation"),
    ("Hồ sơ cấp giấy chứng nhận quyền sử dụng đất nộp ở {place} đã quá hạn mà chưa có kết quả.", "complaint"),
    ("Kiến nghị kéo dài giờ làm việc bộ phận một cửa {place} vào sáng thứ Bảy.", "recommendation"),
    ("Nhà văn hóa {place} xuống cấp, mái dột, đề nghị sửa chữa trước mùa mưa bão.", "recommendation"),
]
PLACES = [
    "đường Phan Châu Trinh, phường Minh An, Hội An",
    "kiệt 45 Hùng Vương, Tam Kỳ",
    "thôn 3, xã Duy Sơn, Duy Xuyên",
    "chợ Điện Bàn",
    "ngã tư Nguyễn Duy Hiệu, Hội An",
    "khu phố 2, phường An Sơn",
    "xã Tam Xuân 1, Núi Thành",
    "đường Lê Lợi, thị trấn Nam Phước",
    "cầu Cẩm Nam",
    "thôn Phú Lâm, xã Tiên Sơn",
]
NAMES = ["Nguyễn Văn Hùng", "Trần Thị Lan", "Lê Minh Tuấn", "Phạm Thị Hoa", "Võ Văn Nam", "Huỳnh Thị Mai"]
CHANNELS = ["web", "telegram", "zalo", "web", "telegram"]


def submission(rng: random.Random, n: int) -> tuple[dict, dict]:
    template, kind = rng.choice(PROBLEMS)
    channel = rng.choice(CHANNELS)
    body: dict = {
        "content": template.format(place=rng.choice(PLACES)) + f" (lần {n})",
        "kind": kind,
        "channel": channel,
        "location": rng.choice(PLACES),
        "publish_consent": rng.random() < 0.5,
    }
    if rng.random() < 0.7:
        body["contact"] = {"name": rng.choice(NAMES), "phone": f"09{rng.randrange(10**7, 10**8)}"}
    headers = {}
    if channel in ("telegram", "zalo"):
        body["reply_to"] = {"channel": channel, "chat_id": str(rng.randrange(10**8, 10**9))}
        # Channels retry, so they send an Idempotency-Key (the update id).
        headers["Idempotency-Key"] = f"{channel}-{uuid.uuid4().hex}"
    return body, headers


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def create_database(admin_url: str, async_commit: bool = False) -> tuple[str, str]:
    import psycopg
    from sqlalchemy.engine import make_url

    name = f"bench_intake_{os.getpid()}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
        if async_commit:
            conn.execute(f'ALTER DATABASE "{name}" SET synchronous_commit = off')
    return name, make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def drop_database(admin_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def server_env(db_url: str, data_dir: str, port: int, deliver: bool) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOTLINE_") and k != "DATABASE_URL"}
    env.update(
        {
            "DATABASE_URL": db_url,
            "HOTLINE_DATA_DIR": data_dir,
            "HOTLINE_RATE_LIMIT_PER_MINUTE": str(10**9),
            "HOTLINE_API_BASE_URL": f"http://127.0.0.1:{port}",
            "HOTLINE_BOT_EVENTS_ENABLED": "true",
            "HOTLINE_OUTBOX_POLL_SECONDS": "1" if deliver else "0",
            "HOTLINE_SCHEDULER_INTERVAL_SECONDS": "0",
            "HF_HUB_OFFLINE": "1",
        }
    )
    return env


def start_server(env: dict, port: int, workers: int, loop: str = "auto", http: str = "auto") -> subprocess.Popen:
    app = "feedback_api.main:create_app"
    # loop/http "auto": uvloop and httptools when installed (as `hotline serve` gets them), else asyncio/h11.
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        app,
        "--factory",
        "--app-dir",
        str(Path(__file__).parent),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--loop",
        loop,
        "--http",
        http,
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    return subprocess.Popen(command, env=env, cwd=env["HOTLINE_DATA_DIR"], start_new_session=True)


async def wait_ready(base: str, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient() as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise SystemExit(f"server exited with {process.returncode}")
            try:
                if (await client.get(f"{base}/api/v1/healthz")).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.2)
    raise SystemExit("server did not become ready")


async def run_load(base: str, clients: int, duration: float, count: int | None, warmup: int, seed: int) -> dict:
    rng = random.Random(seed)
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    errors: list[str] = []
    codes: list[str] = []
    issued = 0
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as http:
        # Warm-up: connections, caches, JIT-free but import-lazy paths.
        for i in range(warmup):
            body, headers = submission(rng, -i)
            await http.post("/api/v1/feedback", json=body, headers=headers)
        stop_at = time.perf_counter() + duration

        async def client_loop() -> None:
            nonlocal issued
            while time.perf_counter() < stop_at and (count is None or issued < count):
                issued += 1
                body, headers = submission(rng, issued)
                started = time.perf_counter()
                try:
                    response = await http.post("/api/v1/feedback", json=body, headers=headers)
                except httpx.HTTPError as error:
                    errors.append(type(error).__name__)
                    continue
                latencies.append(time.perf_counter() - started)
                statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
                if response.status_code == 201:
                    codes.append(response.json()["code"])
                elif len(errors) < 5:
                    errors.append(f"{response.status_code}: {response.text[:200]}")

        began = time.perf_counter()
        await asyncio.gather(*(client_loop() for _ in range(clients)))
        elapsed = time.perf_counter() - began
    return {"latencies": latencies, "statuses": statuses, "errors": errors, "elapsed": elapsed, "codes": codes}


async def run_load_raw(
    host: str, port: int, clients: int, duration: float, count: int | None, warmup: int, seed: int
) -> dict:
    """The same load as run_load, from a lean HTTP/1.1 keep-alive client on raw asyncio streams.

    httpx costs ~3-5 ms of CPU per request, which on a 2-core machine shared with the server and
    PostgreSQL would measure the load generator more than the service. Each response is still read in
    full and checked (status line, Content-Length body, the tracking code of every 201).
    """
    rng = random.Random(seed)
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    errors: list[str] = []
    codes: list[str] = []
    issued = 0
    host_header = f"Host: {host}:{port}\r\n".encode()

    def request_bytes(n: int) -> bytes:
        body, headers = submission(rng, n)
        payload = json.dumps(body, ensure_ascii=False).encode()
        head = [
            b"POST /api/v1/feedback HTTP/1.1\r\n",
            host_header,
            b"Content-Type: application/json\r\n",
            b"Content-Length: %d\r\n" % len(payload),
        ]
        head += [f"{name}: {value}\r\n".encode("latin-1") for name, value in headers.items()]
        return b"".join(head) + b"\r\n" + payload

    async def exchange(reader, writer, data: bytes) -> tuple[int, bytes, bool]:
        writer.write(data)
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        status = int(lines[0].split(b" ", 2)[1])
        length, close = 0, False
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"connection" and value.strip().lower() == b"close":
                close = True
            elif name == b"transfer-encoding":
                raise RuntimeError("chunked responses are not expected from this endpoint")
        return status, await reader.readexactly(length), close

    async def client_loop(warm: int) -> None:
        nonlocal issued
        reader = writer = None
        try:
            for i in range(warm):
                if reader is None:
                    reader, writer = await asyncio.open_connection(host, port)
                _, _, close = await exchange(reader, writer, request_bytes(-i))
                if close:
                    writer.close()
                    reader = writer = None
            while time.perf_counter() < stop_at and (count is None or issued < count):
                issued += 1
                data = request_bytes(issued)
                started = time.perf_counter()
                try:
                    if reader is None:
                        reader, writer = await asyncio.open_connection(host, port)
                    status, body, close = await exchange(reader, writer, data)
                except (OSError, asyncio.IncompleteReadError, ValueError) as error:
                    errors.append(type(error).__name__)
                    if writer is not None:
                        writer.close()
                    reader = writer = None
                    continue
                latencies.append(time.perf_counter() - started)
                statuses[status] = statuses.get(status, 0) + 1
                if status == 201:
                    codes.append(json.loads(body)["code"])
                elif len(errors) < 5:
                    errors.append(f"{status}: {body[:200]!r}")
                if close:
                    writer.close()
                    reader = writer = None
        finally:
            if writer is not None:
                writer.close()

    # Warm-up (connections, caches) on one connection, then the measured window.
    stop_at = 0.0
    await client_loop(warmup)
    stop_at = time.perf_counter() + duration
    began = time.perf_counter()
    await asyncio.gather(*(client_loop(0) for _ in range(clients)))
    elapsed = time.perf_counter() - began
    return {"latencies": latencies, "statuses": statuses, "errors": errors, "elapsed": elapsed, "codes": codes}


def cpu_seconds(processes) -> float:
    total = 0.0
    for proc in processes:
        try:
            times = proc.cpu_times()
            total += times.user + times.system
        except Exception:  # noqa: BLE001 - a process that went away counts as zero
            pass
    return total


def cpu_snapshot(server_pid: int) -> dict:
    """CPU seconds used so far by the server (with its workers), PostgreSQL and this load generator."""
    import psutil

    server = psutil.Process(server_pid)
    postgres = [p for p in psutil.process_iter(["name"]) if (p.info["name"] or "").startswith("postgres")]
    return {
        "server": cpu_seconds([server, *server.children(recursive=True)]),
        "postgres": cpu_seconds(postgres),
        "client": time.process_time(),
    }


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def verify_stored(db_url: str, codes: list[str]) -> dict:
    from sqlalchemy import create_engine, text

    engine = create_engine(db_url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT count(*) FROM feedback")).scalar_one()
        missing = conn.execute(
            text(
                "SELECT count(*) FROM unnest(CAST(:codes AS text[])) AS c(code) "
                "WHERE NOT EXISTS (SELECT 1 FROM feedback f WHERE f.code = c.code)"
            ),
            {"codes": codes},
        ).scalar_one()
        audit = conn.execute(text("SELECT count(DISTINCT feedback_code) FROM audit_event")).scalar_one()
        outbox = conn.execute(text("SELECT count(*) FROM outbox")).scalar_one()
        keys = conn.execute(text("SELECT count(*) FROM idempotency_key")).scalar_one()
        # Numbers a year's sequence issued without a stored item (failed intakes; see feedback.store).
        gaps = conn.execute(
            text(
                "SELECT COALESCE(sum(n), 0) FROM (SELECT max(seq) - count(*) AS n"
                " FROM feedback GROUP BY year) AS per_year"
            )
        ).scalar_one()
    engine.dispose()
    return {
        "stored": stored,
        "missing_201s": missing,
        "items_with_audit": audit,
        "outbox_rows": outbox,
        "idempotency_keys": keys,
        "code_gaps": int(gaps),
    }


def profile_in_process(db_url: str, data_dir: str, n: int) -> None:
    """Where the time goes inside one intake, without HTTP: cProfile over n service calls."""
    import cProfile
    import pstats

    from common.settings import Settings
    from feedback_api.db import get_sessionmaker, upgrade_database
    from feedback_api.feedback.context import ServiceContext
    from feedback_api.feedback.intake import create_feedback
    from feedback_api.feedback.schemas import FeedbackCreate
    from knowledge_base.loader import load_directory

    settings = Settings(_env_file=None, database_url=db_url, data_dir=Path(data_dir), bot_events_enabled=True)
    upgrade_database(settings)
    maker = get_sessionmaker(settings)
    ctx = ServiceContext(settings, load_directory(settings))
    rng = random.Random(7)
    bodies = [FeedbackCreate(**submission(rng, i)[0]) for i in range(n)]
    with maker() as session:
        create_feedback(session, ctx, bodies[0])  # warm caches (routing rules, agencies, calendar)
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    for body in bodies[1:]:
        with maker() as session:
            create_feedback(session, ctx, body)
    profiler.disable()
    per_item = (time.perf_counter() - started) / (n - 1) * 1000
    print(f"\nin-process create_feedback: {per_item:.2f} ms per item (one thread, incl. commit)")
    stats = pstats.Stats(profiler)
    stats.sort_stats("cumulative").print_stats(25)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pg-url", default=DEFAULT_PG, help="admin URL; a fresh database is created beside it")
    parser.add_argument("--clients", type=int, default=32, help="concurrent clients")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of measured load")
    parser.add_argument("--count", type=int, default=None, help="stop after this many submissions")
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    parser.add_argument(
        "--client",
        choices=("raw", "httpx"),
        default="raw",
        help="load generator: lean raw-socket HTTP/1.1 (default) or httpx (costs more CPU)",
    )
    parser.add_argument("--loop", choices=("auto", "asyncio", "uvloop"), default="auto", help="uvicorn event loop")
    parser.add_argument("--http", choices=("auto", "h11", "httptools"), default="auto", help="uvicorn HTTP parser")
    parser.add_argument("--deliver", action="store_true", help="run outbox delivery during the load")
    parser.add_argument("--profile", type=int, default=0, help="instead: cProfile N in-process intakes")
    parser.add_argument(
        "--async-commit",
        action="store_true",
        help="DIAGNOSTIC ONLY: synchronous_commit=off (not durable) to show the cost of the commit's WAL flush",
    )
    parser.add_argument("--seed", type=int, default=1022)
    parser.add_argument("--json", action="store_true", help="print the result as one JSON line too")
    args = parser.parse_args()

    name, db_url = create_database(args.pg_url, args.async_commit)
    data_dir = tempfile.mkdtemp(prefix="bench_intake_")
    process = None
    try:
        if args.profile:
            profile_in_process(db_url, data_dir, args.profile)
            return
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        # Migrate once before the workers start (each would otherwise race to do it at startup).
        from common.db import dispose_engine
        from common.settings import Settings
        from feedback_api.db import upgrade_database

        upgrade_database(Settings(_env_file=None, database_url=db_url, data_dir=Path(data_dir)))
        dispose_engine(db_url)
        process = start_server(
            server_env(db_url, data_dir, port, args.deliver), port, args.workers, args.loop, args.http
        )
        asyncio.run(wait_ready(base, process))
        before = cpu_snapshot(process.pid)
        if args.client == "raw":
            result = asyncio.run(
                run_load_raw("127.0.0.1", port, args.clients, args.duration, args.count, args.warmup, args.seed)
            )
        else:
            result = asyncio.run(run_load(base, args.clients, args.duration, args.count, args.warmup, args.seed))
        after = cpu_snapshot(process.pid)
        lat_ms = [x * 1000 for x in result["latencies"]]
        created = result["statuses"].get(201, 0)
        report = {
            "workers": args.workers,
            "loop": args.loop,
            "http": args.http,
            "async_commit": args.async_commit,
            "load_avg_1m": round(os.getloadavg()[0], 2),
            "clients": args.clients,
            "client": args.client,
            "cpus": os.cpu_count(),
            "requests": len(lat_ms),
            "created": created,
            "seconds": round(result["elapsed"], 2),
            "submissions_per_s": round(created / result["elapsed"], 1),
            "p50_ms": round(percentile(lat_ms, 50), 1),
            "p90_ms": round(percentile(lat_ms, 90), 1),
            "p99_ms": round(percentile(lat_ms, 99), 1),
            "max_ms": round(max(lat_ms), 1) if lat_ms else None,
            "mean_ms": round(statistics.fmean(lat_ms), 1) if lat_ms else None,
            "statuses": result["statuses"],
            "errors": result["errors"][:5],
        }
        # CPU per submission (warm-up included in the count: it ran between the snapshots too).
        done = max(1, len(lat_ms) + args.warmup)
        cpu_ms = {k: round((after[k] - before[k]) / done * 1000, 2) for k in before}
        report["cpu_ms_per_submission"] = cpu_ms
        # What 2 dedicated cores could sustain if CPU were the only limit (server + PostgreSQL, no generator).
        report["cpu_bound_estimate_per_s_2_cores"] = round(2000 / max(0.01, cpu_ms["server"] + cpu_ms["postgres"]), 0)
        report.update(verify_stored(db_url, result["codes"]))
        print(
            f"intake on PostgreSQL: {report['submissions_per_s']} submissions/s, "
            f"p50 {report['p50_ms']} ms, p90 {report['p90_ms']} ms, p99 {report['p99_ms']} ms "
            f"({created} created in {report['seconds']} s; {args.clients} clients, {args.workers} worker(s), "
            f"{os.cpu_count()} CPUs, load average {report['load_avg_1m']}; "
            f"{args.client} load generator on the same machine"
            f"{'; synchronous_commit OFF (diagnostic)' if args.async_commit else ''})"
        )
        print(
            f"stored {report['stored']} items (incl. {args.warmup} warm-up), 201s missing from the database: "
            f"{report['missing_201s']}, outbox rows {report['outbox_rows']}, "
            f"idempotency keys {report['idempotency_keys']}, gaps in the codes {report['code_gaps']}, "
            f"statuses {report['statuses']}"
        )
        print(
            f"CPU per submission: server {cpu_ms['server']} ms, PostgreSQL {cpu_ms['postgres']} ms, "
            f"load generator {cpu_ms['client']} ms -> 2 dedicated cores for server+PostgreSQL would sustain "
            f"about {report['cpu_bound_estimate_per_s_2_cores']:.0f}/s if CPU were the only limit"
        )
        if report["errors"]:
            print("errors:", report["errors"])
        if args.json:
            print(json.dumps(report))
    finally:
        if process is not None and process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        from common.db import dispose_engine

        dispose_engine(db_url)
        drop_database(args.pg_url, name)


if __name__ == "__main__":
    main()
