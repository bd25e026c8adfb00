"""The API bench's load side: the server it starts and stops, raw requests, load workers,
measurements and CPU readings.

Standard library only at import, so the gunicorn server can import `bench.bench_api` (and this
module with it) before Django is set up. The entry point is `bench/bench_api.py`.
"""

from __future__ import annotations

import multiprocessing
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BASE_DIR = Path(__file__).resolve().parent.parent
DATABASE_URL = os.environ.get(
    "BENCH_API_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench_api"
)
REDIS_URL = os.environ.get("BENCH_API_REDIS_URL", "redis://127.0.0.1:6379/6")
BARE_PATH = "/bench/bare/"


def server_environment() -> dict[str, str]:
    """Production settings (DEBUG off), pointed at the bench database and Redis database."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "clinic.settings",
        "DEBUG": "false",
        "SECRET_KEY": os.environ.get("BENCH_SECRET_KEY", "bench-" + secrets.token_urlsafe(48)),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": DATABASE_URL,
        "REDIS_URL": REDIS_URL,
        # Plain HTTP on loopback: no TLS in front of this server.
        "SECURE_SSL_REDIRECT": "false",
        # Persistent database connections, as a production server runs.
        "CONN_MAX_AGE": "600",
        # The limits of real clients would stop the load generator: lifted for the bench.
        "API_THROTTLE_RATE": "100000000/min",
        "LOG_LEVEL": "WARNING",
        "MEDIA_ROOT": os.environ.get("BENCH_MEDIA_ROOT", tempfile.gettempdir()),
    }


@dataclass(frozen=True)
class Scenario:
    name: str
    port: int  # of the server it is sent to
    requests: list[bytes]  # raw HTTP requests, used in turn
    expected_status: int
    baseline: str = ""  # the name of the scenario its rate is divided by


def raw_request(
    port: int, method: str, path: str, token: str | None, body: bytes | None = None
) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Accept: application/json"]
    if token:
        lines.append(f"Authorization: Bearer {token}")
    if body is not None:
        lines += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
    lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + (body or b"")


def send(port: int, request: bytes) -> int:
    with socket.create_connection(("127.0.0.1", port)) as connection:
        connection.sendall(request)
        chunks = []
        while chunk := connection.recv(65536):
            chunks.append(chunk)
    head = b"".join(chunks[:1])[:12]
    return int(head[9:12]) if head.startswith(b"HTTP/1.") else 0


def load_worker(port: int, scenario: Scenario, seconds: float, offset: int, results: Any) -> None:
    """One closed-loop client: request after request until the time is up."""
    latencies: list[float] = []
    failures = 0
    index = offset
    deadline = time.perf_counter() + seconds
    while (now := time.perf_counter()) < deadline:
        request = scenario.requests[index % len(scenario.requests)]
        index += 1
        status = send(port, request)
        latencies.append(time.perf_counter() - now)
        if status != scenario.expected_status:
            failures += 1
    results.put((latencies, failures))


@dataclass(frozen=True)
class Measurement:
    requests_per_second: float
    latencies: list[float]
    failures: int

    def percentile(self, fraction: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] * 1000


def cpu_seconds_by_process() -> dict[str, float]:
    """CPU time (user + system) so far of gunicorn and of PostgreSQL, from /proc (Linux)."""
    tick = os.sysconf("SC_CLK_TCK")
    totals = {"gunicorn": 0.0, "postgres": 0.0}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
            command = (stat.parent / "cmdline").read_bytes()
        except OSError:
            continue
        name = text[text.index("(") + 1 : text.rindex(")")]
        fields = text[text.rindex(")") + 2 :].split()
        used = (int(fields[11]) + int(fields[12])) / tick
        if name.startswith("postgres"):
            totals["postgres"] += used
        elif b"gunicorn" in command:
            totals["gunicorn"] += used
    return totals


def measure(scenario: Scenario, concurrency: int, seconds: float) -> Measurement:
    results: Any = multiprocessing.Queue()
    clients = [
        multiprocessing.Process(
            target=load_worker, args=(scenario.port, scenario, seconds, offset * 7, results)
        )
        for offset in range(concurrency)
    ]
    started = time.perf_counter()
    for client in clients:
        client.start()
    collected = [results.get() for _ in clients]
    for client in clients:
        client.join()
    elapsed = time.perf_counter() - started
    latencies = [latency for part, _ in collected for latency in part]
    failures = sum(failed for _, failed in collected)
    return Measurement(len(latencies) / elapsed, latencies, failures)


def server_start(
    port: int, workers: int, directory: Path = BASE_DIR, database_url: str = DATABASE_URL
) -> subprocess.Popen[bytes]:
    """gunicorn serving the code in `directory` (this checkout, or another one to compare)."""
    server = subprocess.Popen(
        [
            *(sys.executable, "-m", "gunicorn", "bench.bench_api:wsgi_application()"),
            *("--workers", str(workers), "--bind", f"127.0.0.1:{port}"),
            *("--chdir", str(directory), "--log-level", "warning"),
        ],
        # PYTHONPATH: the checkout's own packages come before the installed ones.
        env={**server_environment(), "DATABASE_URL": database_url, "PYTHONPATH": str(directory)},
        cwd=directory,
    )
    for _ in range(100):
        try:
            if send(port, raw_request(port, "GET", BARE_PATH, None)) == 200:
                return server
        except OSError:
            pass
        time.sleep(0.2)
    server.terminate()
    raise SystemExit("gunicorn did not start")


def against_database_token(directory: Path, database_url: str, screenings: int) -> str:
    """Prepare and seed another checkout's own database with that checkout's code (its
    migrations differ from these), and return the token of a new bench client there."""
    script = (
        "import sys, django; django.setup(); from bench import bench_api as b; "
        "b.database_prepare(); print(b.client_token(b.data_seed(int(sys.argv[1]))))"
    )
    environment = {
        **server_environment(),
        "DATABASE_URL": database_url,
        "BENCH_API_DATABASE_URL": database_url,
        "PYTHONPATH": str(directory),
    }
    done = subprocess.run(  # noqa: S603 - this interpreter, a fixed script
        [sys.executable, "-c", script, str(screenings)],
        env=environment,
        cwd=directory,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip().splitlines()[-1]


def server_stop(server: subprocess.Popen[bytes]) -> None:
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def queue_empty() -> None:
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    client.delete("celery", "unacked", "unacked_index")
    client.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def rounds_of(
    scenarios: list[Scenario], others: list[Scenario], rounds: int
) -> Iterator[tuple[int, Scenario]]:
    """Every scenario once a round; with a second server, its scenarios first every other round."""
    for number in range(rounds):
        for scenario in scenarios + others if number % 2 == 0 else others + scenarios:
            yield number, scenario
