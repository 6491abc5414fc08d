#!/usr/bin/env python
"""Benchmark the web chat: messages/s and latency percentiles through POST /api/v1/chat.

Starts the real served app (`hotline.app.create_app`: feedback API + bot, built-in NLU, embedded SQLite)
under uvicorn in a subprocess, then drives it over HTTP with N concurrent conversations. Each
conversation sends its messages one after another (as a person does); messages are varied questions
built from the KB's procedure names and everyday phrasings (so the NLU's query caches do not flatter
the numbers), plus greetings, context follow-ups, status lookups and out-of-scope chatter.

    .venv/bin/python scripts/bench_chat.py --conversations 32 --messages 12
    .venv/bin/python scripts/bench_chat.py --workers 2            # two server processes
    HOTLINE_EMBEDDING_MODEL=none .venv/bin/python scripts/bench_chat.py   # BM25 only: the bot's own cost

`server_cpu_ms_per_message` (CPU the server processes spent per message) is the figure to compare across
runs: messages/s depends on what else the machine is doing, CPU per message much less.

The per-address rate limit is switched off for the benchmark server (one client sends everything).
Goal: >= 100 messages/s on 2 cores with the built-in NLU. A benchmark, not a test.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent

QUESTION_TEMPLATES = [
    "{name} cần giấy tờ gì",
    "lam {folded} can giay to gi",
    "{name} mất bao lâu",
    "{name} lệ phí bao nhiêu",
    "nộp hồ sơ {name} ở đâu",
    "thu tuc {folded} lam online duoc khong",
    "cho hỏi các bước {name}",
    "ai được {name}",
]
SMALL_TALK = ["xin chào", "chào bạn", "cảm ơn bạn", "cam on nhieu", "tạm biệt", "hello ad"]
FOLLOW_UPS = ["còn lệ phí thì sao?", "nop o dau", "mất bao lâu vậy", "cần mang theo gì", "làm online được không"]
OTHER = ["thời tiết hôm nay thế nào", "tra cứu PA-2026-{seq:06d}", "phản ánh của tôi", "giá vàng hôm nay"]


def build_scripts(conversations: int, messages: int, seed: int) -> list[list[str]]:
    from knowledge_base.loader import load_knowledge_base
    from nlu.normalize import fold_diacritics

    rng = random.Random(seed)
    from common.settings import get_settings

    names = [p.name for p in load_knowledge_base(get_settings()).procedures]
    scripts = []
    for _ in range(conversations):
        script = [rng.choice(SMALL_TALK)]
        while len(script) < messages:
            roll = rng.random()
            if roll < 0.55:
                name = rng.choice(names)
                template = rng.choice(QUESTION_TEMPLATES)
                script.append(template.format(name=name.lower(), folded=fold_diacritics(name.lower())))
            elif roll < 0.8:
                script.append(rng.choice(FOLLOW_UPS))
            elif roll < 0.9:
                script.append(rng.choice(SMALL_TALK))
            else:
                script.append(rng.choice(OTHER).format(seq=rng.randrange(1, 999_999)))
        scripts.append(script)
    return scripts


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(data_dir: Path, port: int, workers: int) -> subprocess.Popen:
    env = dict(os.environ)
    env.update(
        {
            "HOTLINE_DATA_DIR": str(data_dir),
            "HOTLINE_API_BASE_URL": f"http://127.0.0.1:{port}",
            "HOTLINE_RATE_LIMIT_PER_MINUTE": "0",
            "HOTLINE_BOT_EVENTS_ENABLED": "false",
            "HF_HUB_OFFLINE": "1",
        }
    )
    env.pop("DATABASE_URL", None)
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "hotline.app:create_app",
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    return subprocess.Popen(command, cwd=ROOT, env=env)


async def wait_ready(base: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        while time.monotonic() < deadline:
            try:
                response = await client.post("/api/v1/chat", json={"session_id": "bench-warm", "text": "xin chào"})
                if response.status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(1)
    raise RuntimeError("server did not become ready")


async def run(base: str, scripts: list[list[str]], tag: str) -> dict:
    latencies: list[float] = []
    errors = 0
    limits = httpx.Limits(max_connections=len(scripts), max_keepalive_connections=len(scripts))
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as client:

        async def conversation(index: int, script: list[str]) -> None:
            nonlocal errors
            session = f"bench-{tag}-{index}"
            for text in script:
                started = time.perf_counter()
                try:
                    response = await client.post("/api/v1/chat", json={"session_id": session, "text": text})
                    ok = response.status_code == 200 and response.json().get("messages")
                except httpx.HTTPError:
                    ok = False
                latencies.append(time.perf_counter() - started)
                errors += 0 if ok else 1

        started = time.perf_counter()
        await asyncio.gather(*(conversation(i, s) for i, s in enumerate(scripts)))
        elapsed = time.perf_counter() - started
    latencies.sort()

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000

    return {
        "messages": len(latencies),
        "errors": errors,
        "seconds": round(elapsed, 2),
        "messages_per_s": round(len(latencies) / elapsed, 1),
        "p50_ms": round(pct(0.50), 1),
        "p95_ms": round(pct(0.95), 1),
        "p99_ms": round(pct(0.99), 1),
        "mean_ms": round(statistics.fmean(latencies) * 1000, 1),
    }


def server_cpu_seconds(pid: int) -> float | None:
    """User+system CPU of the server and its worker processes so far."""
    try:
        import psutil

        process = psutil.Process(pid)
        total = 0.0
        for p in [process, *process.children(recursive=True)]:
            times = p.cpu_times()
            total += times.user + times.system
        return total
    except Exception:
        return None


def server_rss_mb(pid: int) -> float | None:
    try:
        import psutil

        process = psutil.Process(pid)
        return round(sum(p.memory_info().rss for p in [process, *process.children(recursive=True)]) / 2**20, 1)
    except Exception:
        return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--conversations", type=int, default=32, help="concurrent conversations")
    parser.add_argument("--messages", type=int, default=12, help="messages per conversation")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=ROOT / "var" / "bench-chat",
        help="server data dir (the NLU index is built there once and reused)",
    )
    parser.add_argument("--url", help="benchmark an already running server instead of starting one")
    parser.add_argument("--seed", type=int, default=1022)
    args = parser.parse_args()

    scripts = build_scripts(args.conversations, args.messages, args.seed)
    warmup = build_scripts(8, 4, args.seed + 1)
    server = None
    if args.url:
        base = args.url.rstrip("/")
    else:
        args.data_dir.mkdir(parents=True, exist_ok=True)
        db = args.data_dir / "hotline.db"
        for suffix in ("", "-wal", "-shm"):  # fresh conversations and items every run
            Path(str(db) + suffix).unlink(missing_ok=True)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        print(f"starting server ({args.workers} worker(s)) on {base} ...", file=sys.stderr)
        server = start_server(args.data_dir, port, args.workers)
    try:
        started = time.perf_counter()
        asyncio.run(wait_ready(base, timeout=600))
        print(f"ready after {time.perf_counter() - started:.1f} s; warming up ...", file=sys.stderr)
        asyncio.run(run(base, warmup, "warm"))
        cpu_before = server_cpu_seconds(server.pid) if server is not None else None
        result = asyncio.run(run(base, scripts, "run"))
        result.update({"conversations": args.conversations, "workers": args.workers, "cpus": os.cpu_count()})
        if server is not None:
            cpu_after = server_cpu_seconds(server.pid)
            if cpu_before is not None and cpu_after is not None:
                # CPU the server spent per message: a load-independent figure; 1000 / it = messages/s one
                # fully available core could serve.
                per_message = (cpu_after - cpu_before) / result["messages"] * 1000
                result["server_cpu_ms_per_message"] = round(per_message, 2)
                result["capacity_per_core_msg_s"] = round(1000 / per_message, 1) if per_message else None
            result["server_rss_mb"] = server_rss_mb(server.pid)
        try:
            result["load_average_1min"] = round(os.getloadavg()[0], 2)
        except OSError:
            pass
        print(json.dumps(result, ensure_ascii=False, indent=2))
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()


if __name__ == "__main__":
    main()
