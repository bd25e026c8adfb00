"""Reports through a real Redis and a real `celery worker` process sharing PostgreSQL.

Eager mode is no test of the broker path: here an intake is submitted in this process, a
worker subprocess renders the report, and the database shows the outcome. Tests that stop,
pause or lose Redis run their own redis-server on a spare loopback port.

Run with DATABASE_URL=postgres://postgres@127.0.0.1:5432/dev_reports: the worker connects to
pytest's test database, and `transactional_db` commits what each test writes.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from clinic.models import Patient
from reports.models import Report
from reports.services import report_publish
from screening.models import Screening
from screening.samples import sample_document
from screening.services import intake_submit
from tests.reports.conftest import celery_broker, report_of, stored_pdfs
from tests.reports.pdfs import flat, text_of
from tests.services import redis_available, require_service, running_on_ci

pytestmark = [pytest.mark.services]

# The shared server's DB 5 here; on CI the run's own Redis database (REDIS_URL).
SHARED_REDIS = (
    os.environ.get("REPORTS_TEST_REDIS_URL")
    or (os.environ.get("REDIS_URL", "") if running_on_ci() else "")
    or "redis://127.0.0.1:6379/5"
)
# Short limits for a worker that must take back a lost render within the test's patience:
# soft < hard < stale < visibility, as the settings require.
FAST_RECOVERY = {
    "REPORTS_SOFT_TIME_LIMIT": "8",
    "REPORTS_TIME_LIMIT": "10",
    "REPORTS_STALE_AFTER": "12",
    "BROKER_VISIBILITY_TIMEOUT": "15",
    "REPORTS_SWEEP_INTERVAL": "1",
}


def wait_for(condition: Callable[[], Any], *, timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"gave up after {timeout} s waiting for {what}")


def report_in(screening: Screening, status: str, *, timeout: float) -> Report:
    return wait_for(
        lambda: Report.objects.filter(screening=screening, status=status).first(),
        timeout=timeout,
        what=f"the report of screening {screening.pk} to be {status}",
    )


def spare_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class RedisServer:
    """A redis-server of the test's own, without persistence, as on CI."""

    def __init__(self) -> None:
        self.port = spare_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
            + ["--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(lambda: redis_available(self.url), timeout=10, what="redis-server to answer")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None

    def pause(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)


class Worker:
    """A `celery worker` subprocess in a session of its own, so SIGKILL takes its pool too."""

    def __init__(self, *, log: Path, env: dict[str, str], slow: float = 0, beat: bool = False):
        self.log_path = log
        self.env = env
        self.slow = slow
        self.beat = beat
        self.process: subprocess.Popen[bytes] | None = None

    def command(self) -> list[str]:
        entry = (
            [sys.executable, "-m", "tests.reports.slow_worker"]
            if self.slow
            else [str(Path(sys.executable).with_name("celery"))]
        )
        options = ["-A", "clinic", "worker", "--loglevel", "INFO", "--concurrency"]
        options += [self.env.get("TEST_CONCURRENCY", "1"), "-n", f"{self.log_path.stem}@%h"]
        options += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
        if self.beat:
            options += ["--beat", "--schedule", str(self.log_path.with_suffix(".beat"))]
        return entry + options

    def start(self) -> None:
        env = {**self.env, "REPORTS_TEST_RENDER_DELAY": str(self.slow)}
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                self.command(),
                cwd=settings.BASE_DIR,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_for(lambda: " ready." in self.log(), timeout=60, what=f"{self.log_path.stem} ready")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def kill(self) -> None:
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


@pytest.fixture
def worker_database(transactional_db: None) -> str:
    """The URL of pytest's PostgreSQL test database, for the worker to share."""
    require_service(
        "PostgreSQL",
        connection.vendor == "postgresql",
        "a worker shares the test database: set DATABASE_URL=postgres://.../dev_reports",
    )
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def shared_redis() -> str:
    """Redis DB 5 of the shared server (never stopped), emptied of earlier runs' messages."""
    require_service("Redis", redis_available(SHARED_REDIS), f"no answer at {SHARED_REDIS}")
    import redis

    client = redis.Redis.from_url(SHARED_REDIS)
    client.delete("celery", "unacked", "unacked_index", "unacked_mutex")
    client.close()
    return SHARED_REDIS


@pytest.fixture
def own_redis() -> Iterator[RedisServer]:
    require_service("redis-server", shutil.which("redis-server") is not None, "not installed")
    server = RedisServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def workers(
    worker_database: str, report_files: Path, tmp_path: Path
) -> Iterator[Callable[..., Worker]]:
    """Start workers on the test database and file folder; every one is stopped afterwards."""
    started: list[Worker] = []

    def start(redis_url: str, *, slow: float = 0, beat: bool = False, **extra: str) -> Worker:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "clinic.settings",
            "DEBUG": "true",
            "DATABASE_URL": worker_database,
            "REDIS_URL": redis_url,
            "MEDIA_ROOT": str(report_files),
            "LOG_LEVEL": "INFO",
            **extra,
        }
        worker = Worker(
            log=tmp_path / f"worker{len(started) + 1}.log", env=env, slow=slow, beat=beat
        )
        started.append(worker)
        worker.start()
        return worker

    yield start
    for worker in started:
        worker.stop()


def test_a_submitted_intake_gets_its_report_from_the_worker(
    workers: Callable[..., Worker], shared_redis: str, patient: Patient, report_files: Path
) -> None:
    workers(shared_redis)
    with celery_broker(shared_redis):
        screening = intake_submit(patient=patient, document=sample_document())
    report = report_in(screening, Report.Status.READY, timeout=60)
    assert report.attempts == 1
    [path] = stored_pdfs(report_files)
    assert "Screening summary" in flat(text_of(path.read_bytes()))


def test_a_task_delivered_twice_leaves_one_file_and_one_ready_report(
    workers: Callable[..., Worker], shared_redis: str, patient: Patient, report_files: Path
) -> None:
    # given a worker with two processes, and a report whose task is published twice at once
    worker = workers(shared_redis, TEST_CONCURRENCY="2")
    with celery_broker(shared_redis):
        screening = intake_submit(patient=patient, document=sample_document())
        report = report_of(screening)
        assert report_publish(report_id=report.pk)
    # when both deliveries have run
    report = report_in(screening, Report.Status.READY, timeout=60)
    wait_for(
        lambda: f"report {report.pk} not claimed" in worker.log(),
        timeout=30,
        what="the second delivery",
    )
    # then one render happened
    assert report.attempts == 1
    assert len(stored_pdfs(report_files)) == 1
    assert worker.log().count(f"report {report.pk} ready") == 1


def test_a_worker_killed_mid_render_leaves_a_report_finished_later_exactly_once(
    workers: Callable[..., Worker], own_redis: RedisServer, patient: Patient, report_files: Path
) -> None:
    # given a worker whose render takes long enough to be killed in the middle
    slow = workers(own_redis.url, slow=60)
    with celery_broker(own_redis.url):
        screening = intake_submit(patient=patient, document=sample_document())
    report_in(screening, Report.Status.RENDERING, timeout=30)
    # when it is killed with SIGKILL (its pool process too), and a new worker starts
    slow.kill()
    assert report_of(screening).status == Report.Status.RENDERING
    fresh = workers(own_redis.url, beat=True, **FAST_RECOVERY)
    # then the new worker takes the render back and finishes it
    report = report_in(screening, Report.Status.READY, timeout=90)
    # and the first delivery, restored by the broker, finds nothing left to do
    wait_for(
        lambda: f"report {report.pk} not claimed" in fresh.log(),
        timeout=60,
        what="the killed worker's message to be redelivered",
    )
    assert report.attempts == 2
    assert len(stored_pdfs(report_files)) == 1
    assert (slow.log() + fresh.log()).count(f"report {report.pk} ready") == 1


def test_an_intake_accepted_while_redis_is_down_gets_its_report_once_redis_is_back(
    workers: Callable[..., Worker], own_redis: RedisServer, patient: Patient, report_files: Path
) -> None:
    workers(own_redis.url, beat=True, REPORTS_SWEEP_INTERVAL="1")
    # given Redis stopped (no persistence: nothing survives)
    own_redis.stop()
    # when an intake is submitted
    with celery_broker(own_redis.url):
        started = time.monotonic()
        screening = intake_submit(patient=patient, document=sample_document())
        elapsed = time.monotonic() - started
    # then the request succeeds quickly and the report waits in the database
    assert elapsed < 5
    report = report_of(screening)
    assert (report.status, report.enqueued_at) == (Report.Status.QUEUED, None)
    # and once Redis is back, the sweep delivers it
    own_redis.start()
    report = report_in(screening, Report.Status.READY, timeout=90)
    assert report.attempts == 1
    assert len(stored_pdfs(report_files)) == 1


@pytest.mark.django_db(transaction=True)
def test_a_paused_redis_holds_a_request_for_seconds_not_half_a_minute(
    own_redis: RedisServer, patient: Patient
) -> None:
    # given a Redis that accepts connections but never answers
    own_redis.pause()
    try:
        with celery_broker(own_redis.url):
            started = time.monotonic()
            screening = intake_submit(patient=patient, document=sample_document())
            elapsed = time.monotonic() - started
    finally:
        own_redis.resume()
    # then the socket timeouts of the settings cut the publish short (25 s without them)
    assert elapsed < 10
    assert report_of(screening).enqueued_at is None
