"""Fault runs against a real `hotline serve` on a private PostgreSQL cluster (issue 10, defects 1 and 4).

    .venv/bin/python scripts/fault_intake.py kill9      # kill -9 of the server under intake load
    .venv/bin/python scripts/fault_intake.py db-stop    # PostgreSQL stopped (immediate) under load

Each run starts its own cluster (initdb/pg_ctl from /usr/lib/postgresql/*/bin on a free port in a temp
dir, as the `postgres` user when run as root), so the machine's PostgreSQL is never touched. Clients post
complaints with an Idempotency-Key and retry the same key until they get a 201, as the bot does. At the
end it checks the database and prints one JSON object of figures:

  acknowledged       items answered 201 to a client
  lost               acknowledged codes missing from the database (must be 0)
  duplicates         submissions stored more than once, or told two different codes (must be 0)
  statuses           every answer seen, by status ("conn" = no answer: refused or cut connection)
  recovery_seconds   db-stop: from PostgreSQL accepting connections again to the next 201
  log_lines_per_failure  db-stop: server log lines (besides the access log) per failed request
  worker_log_lines   db-stop: one line per background pass skipped during the outage
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
ACCESS_LINE = re.compile(r'"[A-Z]+ \S+ HTTP/[0-9.]+" [0-9]{3}')
WORKER_PASS_LINE = re.compile(r"pass skipped: database unavailable")
CONTENT = "Đèn đường trước nhà số {n} đường Trần Phú bị hỏng nhiều ngày, mã thử nghiệm {marker}."


class Unavailable(RuntimeError):
    """This machine cannot run the fault scenario (no PostgreSQL binaries...)."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}")) or (
        [shutil.which(name)] if shutil.which(name) else []
    )
    if not found:
        raise Unavailable(f"PostgreSQL binary {name} not found (/usr/lib/postgresql/*/bin)")
    return found[-1]


class Cluster:
    """A throwaway PostgreSQL cluster: trust auth on 127.0.0.1:<port>, database `hotline`."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="hotline-pg-"))
        self.data = self.dir / "data"
        self.port = free_port()
        self.as_user: list[str] = []
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            if shutil.which("runuser") is None:
                raise Unavailable("running as root without runuser: cannot start PostgreSQL as another user")
            self.as_user = ["runuser", "-u", "postgres", "--"]
            shutil.chown(self.dir, "postgres")
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/hotline"

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run([*self.as_user, *args], check=check, capture_output=True, text=True, timeout=60)

    def init(self) -> None:
        try:
            self._run(
                _pg_bin("initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync"
            )
        except subprocess.CalledProcessError as error:
            raise Unavailable(f"initdb failed: {error.stderr.strip()[:300]}") from None
        self.start()
        self._run(_pg_bin("createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "hotline")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c max_connections=200"
        self._run(
            _pg_bin("pg_ctl"),
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.dir / "pg.log"),
            "-w",
            "-t",
            "60",
            "start",
        )

    def stop(self, mode: str = "fast") -> None:
        self._run(_pg_bin("pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop", check=False)

    def destroy(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.dir, ignore_errors=True)


class Server:
    """`hotline serve` in a subprocess (its own data dir; the private cluster as DATABASE_URL)."""

    def __init__(self, database_url: str, workdir: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = workdir / "server.log"
        self.env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "HOTLINE_DATA_DIR": str(workdir / "data"),
            "HOTLINE_EMBEDDING_MODEL": "none",
            "HOTLINE_RATE_LIMIT_PER_MINUTE": "0",
            "HOTLINE_JWT_SECRET": "fault-run-secret-0123456789abcdef0123456789",
            "HOTLINE_BOT_EVENTS_ENABLED": "false",
            "PYTHONUNBUFFERED": "1",
        }
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 90) -> None:
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "hotline.cli", "serve", "--host", "127.0.0.1", "--port", str(self.port)],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {self.log_path.read_text()[-2000:]}")
            try:
                if httpx.get(f"{self.base}/api/v1/healthz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError("server did not become healthy in time")

    def kill9(self) -> None:
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def log_lines(self) -> list[str]:
        return self.log_path.read_text(errors="replace").splitlines() if self.log_path.exists() else []


class Load:
    """Client threads, each posting submissions with a key and retrying a key until it gets a 201."""

    def __init__(self, server: Server, clients: int) -> None:
        self.server = server
        self.clients = clients
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.acks: dict[str, set[str]] = {}  # marker -> codes told to the client
        self.statuses: Counter = Counter()
        self.events: list[tuple[float, str]] = []  # (monotonic time, status) of every answer
        self.threads = [threading.Thread(target=self._client, args=(i,), daemon=True) for i in range(clients)]

    def _client(self, index: int) -> None:
        with httpx.Client(timeout=10) as http:
            n = 0
            while not self.stop.is_set():
                n += 1
                marker = f"c{index}-{n}-{uuid.uuid4().hex[:8]}"
                body = {"content": CONTENT.format(n=n, marker=marker), "kind": "complaint", "channel": "web"}
                headers = {"Idempotency-Key": marker}
                while True:  # retry this submission (same key) until acknowledged or the run ends
                    try:
                        response = http.post(f"{self.server.base}/api/v1/feedback", json=body, headers=headers)
                        status = str(response.status_code)
                    except httpx.HTTPError:
                        response, status = None, "conn"
                    with self.lock:
                        self.statuses[status] += 1
                        self.events.append((time.monotonic(), status))
                        if response is not None and response.status_code == 201:
                            self.acks.setdefault(marker, set()).add(response.json()["code"])
                    if status == "201":
                        break
                    if self.stop.is_set() and status != "conn" and not status.startswith("5"):
                        break
                    if self.stop.wait(0.2) and time.monotonic() > self.drain_until:
                        break

    drain_until = float("inf")

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def finish(self, drain_seconds: float = 15) -> None:
        """Stop starting new submissions; let pending ones retry (same key) for up to drain_seconds."""
        self.drain_until = time.monotonic() + drain_seconds
        self.stop.set()
        for thread in self.threads:
            thread.join(drain_seconds + 15)


def verify(database_url: str, load: Load) -> dict:
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.connect() as connection:
        stored = connection.execute(text("SELECT code, content FROM feedback")).all()
    engine.dispose()
    codes = {row.code for row in stored}
    per_marker = Counter(row.content.rsplit("mã thử nghiệm ", 1)[-1].rstrip(".") for row in stored)
    acknowledged = {marker: codes_told for marker, codes_told in load.acks.items()}
    lost = sum(1 for told in acknowledged.values() for code in told if code not in codes)
    told_twice = sum(1 for told in acknowledged.values() if len(told) > 1)
    stored_twice = sum(count - 1 for count in per_marker.values() if count > 1)
    return {
        "acknowledged": len(acknowledged),
        "stored": len(stored),
        "lost": lost,
        "duplicates": stored_twice + told_twice,
        "unacknowledged_pending": sum(1 for marker in per_marker if marker not in acknowledged),
        "statuses": dict(sorted(load.statuses.items())),
    }


@contextmanager
def environment(clients: int):
    cluster = Cluster()
    workdir = Path(tempfile.mkdtemp(prefix="hotline-fault-"))
    server = None
    try:
        cluster.init()
        server = Server(cluster.url, workdir)
        server.start()
        yield cluster, server, Load(server, clients)
    finally:
        if server is not None:
            server.stop()
        cluster.destroy()
        shutil.rmtree(workdir, ignore_errors=True)


def run_kill9(clients: int = 6, load_seconds: float = 3.0, kills: int = 2) -> dict:
    with environment(clients) as (cluster, server, load):
        load.start()
        restart_seconds = []
        for _ in range(kills):
            time.sleep(load_seconds)
            server.kill9()
            began = time.monotonic()
            server.start()
            restart_seconds.append(round(time.monotonic() - began, 2))
        time.sleep(load_seconds)
        load.finish()
        figures = verify(cluster.url, load)
        figures.update(scenario="kill9", kills=kills, restart_seconds=restart_seconds)
        return figures


def run_db_stop(clients: int = 6, load_seconds: float = 3.0, outage_seconds: float = 4.0) -> dict:
    with environment(clients) as (cluster, server, load):
        load.start()
        time.sleep(load_seconds)
        log_before = len(server.log_lines())
        with load.lock:
            failures_before = sum(n for s, n in load.statuses.items() if s != "201")
        cluster.stop("immediate")
        stopped_at = time.monotonic()
        time.sleep(outage_seconds)
        cluster.start()  # -w: returns once PostgreSQL accepts connections
        back_at = time.monotonic()
        deadline = back_at + 60
        while time.monotonic() < deadline:
            with load.lock:
                if any(at > back_at and status == "201" for at, status in load.events[-200:]):
                    break
            time.sleep(0.05)
        with load.lock:
            first_ok = min((at for at, status in load.events if at > back_at and status == "201"), default=None)
            failures = sum(n for s, n in load.statuses.items() if s != "201") - failures_before
        # Lines other than the access log (one per request anyway): what the outage itself wrote. The
        # background worker notes each skipped pass (one line every poll interval) apart.
        written = [line for line in server.log_lines()[log_before:] if not ACCESS_LINE.search(line)]
        worker_log = [line for line in written if WORKER_PASS_LINE.search(line)]
        outage_log = [line for line in written if not WORKER_PASS_LINE.search(line)]
        time.sleep(load_seconds)
        load.finish()
        figures = verify(cluster.url, load)
        figures.update(
            scenario="db-stop",
            outage_seconds=round(back_at - stopped_at, 2),
            recovery_seconds=round(first_ok - back_at, 2) if first_ok else None,
            failed_requests_during_outage=failures,
            log_lines_during_outage=len(outage_log),
            log_lines_per_failure=round(len(outage_log) / failures, 2) if failures else 0.0,
            log_bytes_per_failure=round(sum(len(line) + 1 for line in outage_log) / failures) if failures else 0,
            worker_log_lines=len(worker_log),
            sample_log=outage_log[:3],
        )
        return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("scenario", choices=["kill9", "db-stop"])
    parser.add_argument("--clients", type=int, default=6)
    parser.add_argument("--seconds", type=float, default=3.0, help="load before and after each fault")
    args = parser.parse_args()
    try:
        if args.scenario == "kill9":
            figures = run_kill9(args.clients, args.seconds)
        else:
            figures = run_db_stop(args.clients, args.seconds)
    except Unavailable as reason:
        print(json.dumps({"skipped": str(reason)}, ensure_ascii=False))
        return
    print(json.dumps(figures, ensure_ascii=False))


if __name__ == "__main__":
    main()
