"""Counters that every server process shares: API request budgets and failed intake links.

In production they live in Redis (COUNTERS_REDIS_URL, by default REDIS_URL), so that a limit
holds across all gunicorn workers instead of once per worker. A count is one round trip
(`INCR` and `EXPIRE NX` pipelined); Django's Redis cache would take two (`EXISTS`, then
`INCR`). Should Redis fail, counting carries on in the process's own memory for
FALLBACK_SECONDS before Redis is tried again. The limits then still hold, per process, and
the site stays up: while Redis is down, intakes must still be accepted (their reports are sent
later), and a paused Redis must not hold every request up for its timeout. Without a Redis
URL (development) every process counts on its own.

A request budget (`budget_spend`) does not ask Redis on every request: each process takes a
lease of several requests at once (one `INCRBY`) and spends it locally, so a caller well
within its budget costs one round trip per lease, not per request. A lease is at most 1 % of
the budget (and at most LEASE_MAX requests), and at most a tenth of what was left of it when
this process last asked, so leases shrink as the budget runs out (budgets under 200 requests
are counted request by request). A lease is cut to what is left of the budget, so the budget
is never exceeded. The price: requests leased by one process and not yet spent are not
available to the others, so with P processes a caller may be refused up to (P - 1) % of its
budget early.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from functools import lru_cache

import redis
from django.conf import settings
from django.core.cache.backends.locmem import LocMemCache

logger = logging.getLogger(__name__)

FALLBACK_SECONDS = 30.0
KEY_PREFIX = "clinic:counter:"

LEASE_SHARE = 100  # a lease is at most 1/LEASE_SHARE of the budget
LEASE_OF_REST = 10  # ... and at most 1/LEASE_OF_REST of what was left at the last look
LEASE_MAX = 50
LEASES_KEPT = 10_000  # budgets (callers x windows) a process remembers leases of

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


@dataclass
class _Lease:
    left: int  # requests taken from the shared count and not yet spent by this process
    seen: int  # the shared count after this process's last lease
    expires: float  # monotonic time after which the budget's window is over


_leases: dict[str, _Lease] = {}
_leases_lock = threading.Lock()


def budget_spend(key: str, *, limit: int, timeout: int) -> bool:
    """Spend one request of the budget of `limit` requests counted under `key`.

    True while the budget lasts, False once it is spent. `key` names the caller and the window;
    the count expires `timeout` seconds after its first request.
    """
    now = time.monotonic()
    with _leases_lock:
        lease = _leases.get(key)
        if lease is not None and lease.expires <= now:
            lease = None
        if lease is not None and lease.left > 0:
            lease.left -= 1
            return True
        seen = lease.seen if lease is not None else 0
    size = max(1, min(limit // LEASE_SHARE, (limit - seen) // LEASE_OF_REST, LEASE_MAX))
    count = counter_incr(key, timeout=timeout, amount=size)
    # The lease is the requests numbered count - size + 1 .. count; those over the limit are void.
    granted = max(0, min(size, limit - (count - size)))
    with _leases_lock:
        lease = _leases.get(key)
        if lease is None or lease.expires <= now:
            if len(_leases) >= LEASES_KEPT:
                _leases_prune(now)
            lease = _leases[key] = _Lease(left=0, seen=0, expires=now + timeout)
        lease.seen = count
        if granted:
            lease.left += granted - 1
    return granted > 0


def _leases_prune(now: float) -> None:
    for key in [key for key, lease in _leases.items() if lease.expires <= now]:
        del _leases[key]
    if len(_leases) >= LEASES_KEPT // 2:  # mostly current: forget them (their requests go unspent)
        _leases.clear()


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
    with _leases_lock:
        _leases.clear()
