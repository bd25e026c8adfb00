"""The counters every server process shares (API budgets, failed intake links), on real Redis."""

from __future__ import annotations

import time
import uuid

import pytest
import redis
from pytest_django import Settings

from clinic import counters
from clinic.counters import KEY_PREFIX, counter_get, counter_incr
from tests.services import CLOSED_PORT_REDIS_URL


def test_counts_are_kept_in_redis_where_every_process_sees_them(
    redis_url: str, settings: Settings
) -> None:
    settings.COUNTERS_REDIS_URL = redis_url
    key = f"test-{uuid.uuid4().hex}"
    other_process = redis.Redis.from_url(redis_url)  # its own connection to the same Redis
    try:
        counts = [counter_incr(key, timeout=60) for _ in range(3)]
        assert counts == [1, 2, 3]
        assert int(other_process.get(KEY_PREFIX + key) or 0) == 3
        assert 0 < other_process.ttl(KEY_PREFIX + key) <= 60  # set once, by the first count
        assert counter_get(key) == 3
        assert counters._local.get(key) is None  # nothing counted on the side
    finally:
        other_process.delete(KEY_PREFIX + key)
        other_process.close()


def test_with_redis_down_counting_goes_on_in_the_process_and_redis_is_retried_later(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    settings.COUNTERS_REDIS_URL = CLOSED_PORT_REDIS_URL
    clock = [1000.0]
    monkeypatch.setattr(counters.time, "monotonic", lambda: clock[0])
    started = time.perf_counter()
    counts = [counter_incr("budget", timeout=60) for _ in range(3)]
    assert counts == [1, 2, 3]  # the limit still counts
    assert counter_get("budget") == 3
    assert time.perf_counter() - started < 2
    assert caplog.text.count("counting in this process") == 1
    # once the fallback period is over, Redis is tried again (and is still down)
    clock[0] += counters.FALLBACK_SECONDS
    assert counter_incr("budget", timeout=60) == 4
    assert caplog.text.count("counting in this process") == 2


def test_without_a_redis_url_each_process_counts_on_its_own(settings: Settings) -> None:
    settings.COUNTERS_REDIS_URL = ""
    assert [counter_incr("budget", timeout=60) for _ in range(2)] == [1, 2]
    assert counters._local.get("budget") == 2
