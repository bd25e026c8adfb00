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
        return subprocess.CompletedProcess(command, 0)

    def popen(self, command: list[str], **kwargs: Any) -> Any:
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
    monkeypatch.setattr(serve_with_worker.subprocess, "run", recorder.run)
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
