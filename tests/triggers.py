"""Helpers of the tests that the database's triggers refuse a change (PostgreSQL)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import DatabaseError, connection, transaction


def refused(change: Callable[[], Any]) -> bool:
    """Whether the database refuses `change` (run in a savepoint, so the test goes on)."""
    try:
        with transaction.atomic():
            change()
    except DatabaseError as error:
        return "pgtrigger" in str(error)
    return False


def statement(sql: str, pk: int) -> Callable[[], None]:
    """A change that runs one hand-written statement with the row's id as its parameter."""

    def run() -> None:
        with connection.cursor() as cursor:
            cursor.execute(sql, [pk])

    return run
