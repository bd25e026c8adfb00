"""Counters that every server process shares: API request budgets and failed intake links.

They live in the default cache: Redis in production (CACHE_URL, by default REDIS_URL), so
that a limit holds across all gunicorn workers instead of once per worker. Should the shared
cache fail, counting carries on in the process's own memory (the `local` cache) for
FALLBACK_SECONDS before the shared cache is tried again. The limits then still hold, per
process, and the site stays up: while Redis is down, intakes must still be accepted (their
reports are sent later), and a paused Redis must not hold every request up for its timeout.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from django.core.cache import BaseCache, caches

logger = logging.getLogger(__name__)

SHARED = "default"
LOCAL = "local"
FALLBACK_SECONDS = 30.0

_shared_retry_at = 0.0


def counter_incr(key: str, *, timeout: int) -> int:
    """Count one more under `key`, which expires `timeout` seconds after its first count."""
    return _with_fallback(lambda cache: _incr(cache, key, timeout))


def counter_get(key: str) -> int:
    """The count under `key` (0 when there is none)."""
    return _with_fallback(lambda cache: int(cache.get(key) or 0))


def _incr(cache: BaseCache, key: str, timeout: int) -> int:
    try:
        return int(cache.incr(key))
    except ValueError:  # the first count (or the key expired just now)
        if cache.add(key, 1, timeout=timeout):
            return 1
        return int(cache.incr(key))


def _with_fallback(operation: Callable[[BaseCache], int]) -> int:
    global _shared_retry_at
    if time.monotonic() >= _shared_retry_at:
        try:
            return operation(caches[SHARED])
        except Exception as error:  # noqa: BLE001 - any failure of the cache's server
            _shared_retry_at = time.monotonic() + FALLBACK_SECONDS
            logger.warning(
                "shared counters unavailable (%s); counting in this process for %.0f s",
                type(error).__name__,
                FALLBACK_SECONDS,
            )
    return operation(caches[LOCAL])


def counters_reset_fallback() -> None:
    """Try the shared cache again on the next count (for tests)."""
    global _shared_retry_at
    _shared_retry_at = 0.0
