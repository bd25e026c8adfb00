"""Probes for the real services some tests need, and the skip-or-fail policy for them.

A test that needs PostgreSQL, Redis or a browser skips with a reason on a machine
without it, but fails on CI (CI=true): there a missing service is a broken build,
never a silently smaller test run.
"""

from __future__ import annotations

import os

import pytest

DEFAULT_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/postgres"
PROBE_TIMEOUT_SECONDS = 2


# Nothing listens on port 1 of the loopback: a connection there is refused at once.
CLOSED_PORT_REDIS_URL = "redis://127.0.0.1:1/0"


def running_on_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def require_service(name: str, ok: bool, reason: str) -> None:
    """Let the test go on when `ok`; otherwise skip it, or fail it on CI."""
    if ok:
        return
    message = f"{name} unavailable: {reason}"
    if running_on_ci():
        pytest.fail(f"{message} (CI=true requires every service)", pytrace=False)
    pytest.skip(message)


def postgres_available(url: str | None = None) -> bool:
    """Whether a PostgreSQL server answers at `url` (DATABASE_URL, else the local default)."""
    import psycopg

    url = url or os.environ.get("DATABASE_URL") or DEFAULT_POSTGRES_URL
    if not url.startswith(("postgres://", "postgresql://")):
        return False
    try:
        with psycopg.connect(url, connect_timeout=PROBE_TIMEOUT_SECONDS) as connection:
            connection.execute("SELECT 1")
    except psycopg.Error:
        return False
    return True


def redis_available(url: str) -> bool:
    """Whether a Redis server answers PING at `url` within the probe timeout."""
    import redis

    client = redis.Redis.from_url(
        url,
        socket_connect_timeout=PROBE_TIMEOUT_SECONDS,
        socket_timeout=PROBE_TIMEOUT_SECONDS,
    )
    try:
        return bool(client.ping())
    except (redis.RedisError, OSError):
        return False
    finally:
        client.close()
