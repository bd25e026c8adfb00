"""`manage.py serve_with_worker` (make run): a worker beside the server, or eager mode, said so."""

from __future__ import annotations

import logging
import subprocess
from typing import Any

import pytest
from django.core.management import call_command

from reports.management.commands import serve_with_worker


class Recorder:
    def __init__(self) -> None:
        self.runs: list[tuple[list[str], dict[str, str]]] = []
        self.workers: list[list[str]] = []

    def run(self, command: list[str], *, env: dict[str, str], **kwargs: Any) -> Any:
        self.runs.append((command, env))

        class FakeServer:
            def wait(self, timeout: float | None = None) -> int:
                return 0

        return FakeServer()

    def popen(self, command: list[str], **kwargs: Any) -> Any:
        if "runserver" in command:
            return self.run(command, **kwargs)
        self.workers.append(command)
        recorder = self

        class FakeWorker:
            pid = 4321
            returncode = 0

            def send_signal(self, signum: int) -> None:
                recorder.workers.append(["signal", str(signum)])

            def wait(self, timeout: float | None = None) -> int:
                return 0

        return FakeWorker()


@pytest.fixture
def recorder(monkeypatch: pytest.MonkeyPatch) -> Recorder:
    recorder = Recorder()
    monkeypatch.setattr(serve_with_worker.subprocess, "Popen", recorder.popen)
    return recorder


def test_with_redis_it_starts_a_worker_with_beat_and_stops_it_with_the_server(
    recorder: Recorder, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(serve_with_worker, "redis_answers", lambda url: True)
    with caplog.at_level(logging.INFO, logger="reports.serve"):
        call_command("serve_with_worker", "127.0.0.1:8123")
    [worker, stop] = recorder.workers
    assert worker[1:6] == ["-m", "celery", "-A", "clinic", "worker"] and "--beat" in worker
    assert stop == ["signal", "15"]
    [(server, env)] = recorder.runs
    assert server[-2:] == ["runserver", "127.0.0.1:8123"]
    assert "CELERY_TASK_ALWAYS_EAGER" not in env
    assert "report worker started (pid 4321)" in caplog.text


def test_without_redis_it_runs_tasks_in_process_and_says_so(
    recorder: Recorder, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(serve_with_worker, "redis_answers", lambda url: False)
    with caplog.at_level(logging.INFO, logger="reports.serve"):
        call_command("serve_with_worker")
    assert recorder.workers == []
    [(server, env)] = recorder.runs
    assert env["CELERY_TASK_ALWAYS_EAGER"] == "true"
    assert "tasks run in-process (eager mode)" in caplog.text


def test_the_probe_finds_no_redis_on_a_closed_port() -> None:
    assert serve_with_worker.redis_answers("redis://127.0.0.1:1/0") is False


def test_the_log_never_shows_the_broker_password() -> None:
    assert serve_with_worker.redacted("redis://:s3cret@redis:6379/0") == "redis://redis:6379/0"


def test_a_sigterm_stops_the_server_it_started(tmp_path: Any) -> None:
    """No orphaned development server after a supervisor (or `kill`) stops the command."""
    import os
    import signal
    import socket
    import sys
    import time
    from pathlib import Path

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    root = Path(__file__).resolve().parents[2]
    env = {
        **os.environ,
        "DEBUG": "true",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        # A broker that does not answer: no worker, eager mode, nothing else to clean up.
        "REDIS_URL": "redis://127.0.0.1:1/0",
    }
    command = [sys.executable, "manage.py", "serve_with_worker", f"127.0.0.1:{port}"]
    parent = subprocess.Popen(command, cwd=root, env=env, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with socket.socket() as client:
                if client.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.2)
        else:
            pytest.fail("the development server did not start")
        parent.send_signal(signal.SIGTERM)
        parent.wait(timeout=20)
        time.sleep(0.5)
        with socket.socket() as client:
            assert client.connect_ex(("127.0.0.1", port)) != 0, "the server outlived the command"
    finally:
        if parent.poll() is None:
            parent.kill()
