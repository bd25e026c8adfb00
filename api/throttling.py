"""Counters that every server process shares: API request budgets and failed intake links.

In production they live in Redis (COUNTERS_REDIS_URL, by default REDIS_URL), so that a limit
holds across all gunicorn workers instead of once per worker. A count is one round trip
(`INCR` and `EXPIRE NX` pipelined); Django's Redis cache would take two (`EXISTS`, then
`INCR`). Should Redis fail, counting carries on in the process's own memory for
FALLBACK_SECONDS before Redis is tried again. The limits then still hold, per process, and
the site stays up: while Redis is down, intakes must still be accepted (their reports are sent
later), and a paused Redis must not hold every request up for its timeout. Without a Redis
URL (development) every process counts on its own.

A request budget is the same counter, one per caller and window (`budget_spend`): one round
trip per request, and the count is exact across processes.
"""

from __future__ import annotations

import logging
import time
from functools import lru_cache
from typing import Any

import redis
from django.conf import settings
from django.core.cache.backends.locmem import LocMemCache
from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle, SimpleRateThrottle

from api.authentication import principal_key

logger = logging.getLogger(__name__)

FALLBACK_SECONDS = 30.0
KEY_PREFIX = "clinic:counter:"

_local = LocMemCache("clinic-counters", {"OPTIONS": {"MAX_ENTRIES": 100_000}})
_shared_retry_at = 0.0


def counter_incr(key: str, *, timeout: int, amount: int = 1) -> int:
    """Count `amount` more under `key`, which expires `timeout` seconds after its first count."""
    shared = _shared_client()
    if shared is not None:
        try:
            pipeline = shared.pipeline(transaction=False)
            pipeline.incrby(KEY_PREFIX + key, amount)
            pipeline.expire(KEY_PREFIX + key, timeout, nx=True)
            count, _ = pipeline.execute()
            return int(count)
        except redis.RedisError as error:
            _fall_back(error)
    try:
        return int(_local.incr(key, amount))
    except ValueError:  # the first count (or the key expired just now)
        if _local.add(key, amount, timeout=timeout):
            return amount
        return int(_local.incr(key, amount))


def budget_spend(key: str, *, limit: int, timeout: int) -> bool:
    """Spend one request of the budget of `limit` requests counted under `key`.

    True while the budget lasts, False once it is spent. `key` names the caller and the window;
    the count expires `timeout` seconds after its first request.
    """
    return counter_incr(key, timeout=timeout) <= limit


def counter_get(key: str) -> int:
    """The count under `key` (0 when there is none)."""
    shared = _shared_client()
    if shared is not None:
        try:
            return int(shared.get(KEY_PREFIX + key) or 0)
        except redis.RedisError as error:
            _fall_back(error)
    return int(_local.get(key) or 0)


def _shared_client() -> redis.Redis | None:
    """The Redis client, or None without a URL or while falling back."""
    url = settings.COUNTERS_REDIS_URL
    if not url or time.monotonic() < _shared_retry_at:
        return None
    return _client_for(url, settings.COUNTERS_SOCKET_TIMEOUT)


@lru_cache(maxsize=4)
def _client_for(url: str, timeout: float) -> redis.Redis:
    return redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)


def _fall_back(error: Exception) -> None:
    global _shared_retry_at
    _shared_retry_at = time.monotonic() + FALLBACK_SECONDS
    logger.warning(
        "shared counters unavailable (%s); counting in this process for %.0f s",
        type(error).__name__,
        FALLBACK_SECONDS,
    )


def counters_reset() -> None:
    """Forget the counts of this process and try Redis again on the next count (tests)."""
    global _shared_retry_at
    _shared_retry_at = 0.0
    _local.clear()


class PrincipalRateThrottle(BaseThrottle):
    """One request budget per API client or staff user, counted in fixed windows.

    One counter per caller and window, shared by every server process (`counter_incr` above:
    one atomic increment per request), instead of DRF's list of
    every request time, which is read and written back whole on each request. A caller may
    burst to twice the rate across a window boundary. Anonymous requests never get this far.
    """

    scope = "api"

    def __init__(self) -> None:
        self.retry_after: float | None = None

    def allow_request(self, request: Request, view: Any) -> bool:
        ident = principal_key(request)
        rate = api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)
        if ident is None or rate is None:
            return True
        allowed, period = SimpleRateThrottle.parse_rate(self, rate)  # type: ignore[arg-type]
        assert allowed is not None and period is not None
        now = time.time()
        window = int(now // period)
        if budget_spend(
            f"throttle:{self.scope}:{ident}:{window}", limit=allowed, timeout=period + 1
        ):
            return True
        self.retry_after = (window + 1) * period - now
        return False

    def wait(self) -> float | None:
        return self.retry_after
