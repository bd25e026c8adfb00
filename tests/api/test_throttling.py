"""The counters every server process shares (API budgets, failed intake links), on real Redis."""

from __future__ import annotations

import multiprocessing
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import redis
from pytest_django import Settings

from api import throttling as counters
from api.throttling import KEY_PREFIX, budget_spend, counter_get, counter_incr, counters_reset
from tests.services import CLOSED_PORT_REDIS_URL


@dataclass(frozen=True)
class Shared:
    """A fresh counter key in Redis, and another process's own connection to look at it."""

    key: str
    other_process: redis.Redis

    def count(self) -> int:
        return int(self.other_process.get(KEY_PREFIX + self.key) or 0)

    def ttl(self) -> int:
        return int(self.other_process.ttl(KEY_PREFIX + self.key))


@pytest.fixture
def shared(redis_url: str, settings: Settings) -> Iterator[Shared]:
    settings.COUNTERS_REDIS_URL = redis_url
    other_process = redis.Redis.from_url(redis_url)
    counter = Shared(f"test-{uuid.uuid4().hex}", other_process)
    try:
        yield counter
    finally:
        other_process.delete(KEY_PREFIX + counter.key)
        other_process.close()


def test_counts_are_kept_in_redis_where_every_process_sees_them(shared: Shared) -> None:
    counts = [counter_incr(shared.key, timeout=60) for _ in range(3)]
    assert counts == [1, 2, 3]
    assert shared.count() == 3
    assert 0 < shared.ttl() <= 60  # set once, by the first count
    assert counter_get(shared.key) == 3
    assert counters._local.get(shared.key) is None  # nothing counted on the side


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


def test_every_request_of_a_budget_is_counted_in_redis(shared: Shared) -> None:
    assert all(budget_spend(shared.key, limit=1000, timeout=60) for _ in range(10))
    assert shared.count() == 10  # what every other process sees
    assert 0 < shared.ttl() <= 60


def test_a_budget_refuses_the_request_after_its_last(shared: Shared) -> None:
    spent = [budget_spend(shared.key, limit=3, timeout=60) for _ in range(4)]
    assert spent == [True] * 3 + [False]
    assert shared.count() == 4


def test_a_budget_spent_elsewhere_is_refused_here(shared: Shared) -> None:
    shared.other_process.set(KEY_PREFIX + shared.key, 999, ex=60)  # 999 of 1,000 spent elsewhere
    assert budget_spend(shared.key, limit=1000, timeout=60)
    assert not budget_spend(shared.key, limit=1000, timeout=60)


def _spend_until_refused(key: str, redis_url: str, start: Any, results: Any) -> None:
    from django.conf import settings

    settings.COUNTERS_REDIS_URL = redis_url
    counters_reset()  # a process of its own, with its own connection to Redis
    start.wait(timeout=30)
    spent = 0
    while budget_spend(key, limit=3000, timeout=60):
        spent += 1
    results.put(spent)


def test_processes_spending_one_budget_together_spend_exactly_the_budget(
    shared: Shared, redis_url: str
) -> None:
    context = multiprocessing.get_context("fork")
    results, start = context.Queue(), context.Barrier(4)
    processes = [
        context.Process(target=_spend_until_refused, args=(shared.key, redis_url, start, results))
        for _ in range(4)
    ]
    for process in processes:
        process.start()
    spent = [results.get(timeout=60) for _ in processes]
    for process in processes:
        process.join(timeout=10)
    assert sum(spent) == 3000, spent
    assert sum(count > 0 for count in spent) >= 2, spent  # they did compete


def test_a_budget_still_holds_with_redis_down(settings: Settings) -> None:
    settings.COUNTERS_REDIS_URL = CLOSED_PORT_REDIS_URL
    spent = [budget_spend("budget", limit=500, timeout=60) for _ in range(501)]
    assert spent == [True] * 500 + [False]
