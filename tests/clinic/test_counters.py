"""The counters every server process shares (API budgets, failed intake links), on real Redis."""

from __future__ import annotations

import socket
import time
import uuid
from typing import Any

import pytest
import redis
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from pytest_django import Settings

from clinic import counters
from clinic.counters import counter_get, counter_incr, counters_reset_fallback


def redis_caches(url: str, prefix: str) -> dict[str, Any]:
    return {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": prefix,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        },
        "local": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": prefix},
    }


@pytest.fixture(autouse=True)
def fresh_fallback() -> Any:
    counters_reset_fallback()
    yield
    counters_reset_fallback()


def test_counts_are_kept_in_redis_where_every_process_sees_them(
    redis_url: str, settings: Settings
) -> None:
    prefix = f"test-{uuid.uuid4().hex[:8]}"
    settings.CACHES = redis_caches(redis_url, prefix)
    try:
        counts = [counter_incr("budget", timeout=60) for _ in range(3)]
        # another process has its own connection to the same Redis
        other_process = RedisCache(redis_url, {"KEY_PREFIX": prefix})
        assert counts == [1, 2, 3]
        assert other_process.get("budget") == 3
        assert counter_get("budget") == 3
        assert caches["local"].get("budget") is None  # nothing counted on the side
        assert 0 < redis.Redis.from_url(redis_url).ttl(f"{prefix}:1:budget") <= 60
    finally:
        caches["default"].delete("budget")


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_with_redis_down_counting_goes_on_in_the_process_and_redis_is_retried_later(
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    settings.CACHES = redis_caches(f"redis://127.0.0.1:{closed_port()}/0", "down")
    clock = [1000.0]
    monkeypatch.setattr(counters.time, "monotonic", lambda: clock[0])
    started = time.perf_counter()
    counts = [counter_incr("budget", timeout=60) for _ in range(3)]
    assert counts == [1, 2, 3]  # the limit still counts
    assert time.perf_counter() - started < 2
    assert caplog.text.count("counting in this process") == 1
    # once the fallback period is over, the shared counters are tried again (and still down)
    clock[0] += counters.FALLBACK_SECONDS
    assert counter_incr("budget", timeout=60) == 4
    assert caplog.text.count("counting in this process") == 2
