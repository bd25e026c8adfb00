"""`manage.py serve_with_worker [ADDRPORT]`: the development server with a report worker beside it.

When Redis answers, a Celery worker (with beat, for the report sweep) runs as a subprocess and
stops with the server. When it does not, tasks run in the server process (eager mode), and
the log says so: reports then render during the request that queues them.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
from typing import Any

import redis
from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

logger = logging.getLogger("reports.serve")

PROBE_TIMEOUT_SECONDS = 1.0


def redis_answers(url: str) -> bool:
    client = redis.Redis.from_url(
        url, socket_connect_timeout=PROBE_TIMEOUT_SECONDS, socket_timeout=PROBE_TIMEOUT_SECONDS
    )
    try:
        return bool(client.ping())
    except (redis.RedisError, OSError):
        return False
    finally:
        client.close()


def redacted(url: str) -> str:
    """The broker URL without its password, for the log."""
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.rpartition('@')[2]}"


def stop_on_signal(signum: int, frame: Any) -> None:
    raise SystemExit(128 + signum)


class Command(BaseCommand):
    help = "Run the development server, with a report worker when Redis is reachable."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")
        parser.add_argument("--concurrency", type=int, default=2)

    def handle(self, *args: Any, **options: Any) -> None:
        env = dict(os.environ)
        worker = None
        broker = settings.CELERY_BROKER_URL
        if redis_answers(broker):
            worker = self.start_worker(env, concurrency=options["concurrency"])
            logger.info("report worker started (pid %s) on %s", worker.pid, redacted(broker))
        else:
            env["CELERY_TASK_ALWAYS_EAGER"] = "true"
            logger.warning(
                "Redis does not answer at %s: no worker; tasks run in-process (eager mode), so "
                "reports render during the request. Start Redis and restart to use a worker.",
                redacted(broker),
            )
        # A SIGTERM (a supervisor, `kill`) stops the server and the worker too, like Ctrl-C.
        previous = signal.signal(signal.SIGTERM, stop_on_signal)
        server = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", options["addrport"]],
            cwd=settings.BASE_DIR,
            env=env,
        )
        returncode: int | None = None
        try:
            returncode = server.wait()
        except (KeyboardInterrupt, SystemExit):
            server.terminate()
            server.wait(timeout=10)
        finally:
            signal.signal(signal.SIGTERM, previous)
            if worker is not None:
                self.stop_worker(worker)
        if returncode:
            sys.exit(returncode)

    def start_worker(self, env: dict[str, str], *, concurrency: int) -> subprocess.Popen[bytes]:
        schedule = settings.BASE_DIR / "var" / "celerybeat-schedule"
        schedule.parent.mkdir(exist_ok=True)
        command = [sys.executable, "-m", "celery", "-A", "clinic", "worker", "--beat"]
        command += ["--schedule", str(schedule), "--concurrency", str(concurrency)]
        command += ["--loglevel", "INFO"]
        return subprocess.Popen(command, cwd=settings.BASE_DIR, env=env)

    def stop_worker(self, worker: subprocess.Popen[bytes]) -> None:
        # A warm shutdown: running renders finish, unfinished messages go back to Redis.
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
        logger.info("report worker stopped")
