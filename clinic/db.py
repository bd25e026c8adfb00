"""Rows written and read on the API's hot paths with cached statements, not the ORM.

`Model.save()` builds its INSERT again on every call; on these machines that cost about
0.35 ms, more than the round trip of the statement itself. The writes every integration makes
many times a minute (the intake POST's intake, screening and report rows, the audit row of
every read) go through `row_insert`, which keeps the statement per model and database and
prepares each value as `save()` does: the field's `pre_save` (defaults, `auto_now_add`, files)
and then its `get_db_prep_save`. Only for models without a `save()` override or signal
receivers: nothing else of `save()` runs. Reads (`row_in_clinic`, `rows_matching`, the
screening list) turn their values into Python with each column's converters, as the ORM does
(on PostgreSQL there are none).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any, TypeVar

from django.db import connections, router
from django.db.backends.utils import CursorWrapper
from django.db.models import Field, Model
from django.db.models.expressions import Col

M = TypeVar("M", bound=Model)


def row_insert(instance: M, *, commit_asynchronously: bool = False) -> M:
    """INSERT `instance` as a new row (its primary key is set); returns the instance.

    Related objects must have been saved before they were assigned: their key is read from
    the instance's `<name>_id` attributes, as assignment left them.

    `commit_asynchronously`: on PostgreSQL, when the INSERT is a transaction of its own
    (autocommit on, no atomic block open), it commits without waiting for its WAL to reach
    the disk (`synchronous_commit` off for that transaction alone, set by the statement
    itself). The row is committed and visible at once; PostgreSQL's WAL writer flushes it
    within three `wal_writer_delay`s (600 ms by default), and only a crash of the database
    server inside that time (or, with a synchronous standby, a failover to it) could lose it.
    Inside an atomic block or with autocommit off the flag is ignored: the setting would apply
    to the whole open transaction.
    """
    model = type(instance)
    alias = router.db_for_write(model, instance=instance)
    connection = connections[alias]
    asynchronous = (
        commit_asynchronously
        and connection.vendor == "postgresql"
        and connection.get_autocommit()
        and not connection.in_atomic_block
    )
    sql, fields, returns_id = _insert_statement(model, alias, asynchronous)
    values = [
        field.get_db_prep_save(field.pre_save(instance, True), connection) for field in fields
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        new_id = cursor.fetchone()[0] if returns_id else cursor.lastrowid
    instance.pk = new_id
    instance._state.adding = False
    instance._state.db = alias
    return instance


@lru_cache(maxsize=32)
def _insert_statement(
    model: type[Model], alias: str, asynchronous: bool = False
) -> tuple[str, list[Field[Any, Any]], bool]:
    """The INSERT of one `model` row on `alias`, its fields in order, whether it returns the id.

    `asynchronous` (PostgreSQL): the statement turns `synchronous_commit` off for its own
    transaction (`set_config(..., is_local => true)` lasts until that transaction ends).
    """
    connection = connections[alias]
    quote = connection.ops.quote_name
    meta = model._meta
    assert meta.pk is not None and meta.pk.db_returning, "row_insert needs an auto primary key"
    fields = [field for field in meta.concrete_fields if not field.primary_key]
    columns = ", ".join(quote(str(field.column)) for field in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    if asynchronous:
        sql = (
            f"INSERT INTO {quote(meta.db_table)} ({columns}) SELECT {placeholders} "
            "FROM set_config('synchronous_commit', 'off', true)"
        )
    else:
        sql = f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({placeholders})"
    returns_id = connection.features.can_return_columns_from_insert
    if returns_id:
        sql += f" RETURNING {quote(str(meta.pk.column))}"
    return sql, fields, returns_id


def row_in_clinic(
    model: type[M], pk: int, *, clinic_id: int, clinic_field: str = "clinic"
) -> M | None:
    """The `model` row with primary key `pk` if it belongs to the clinic, else None.

    One cached SELECT by primary key: asked for the writable relation of every write (the
    patient of an intake), where building the ORM's query cost twice the query.
    """
    alias = router.db_for_read(model)
    connection = connections[alias]
    sql, attnames, converters = _keyed_select(model, clinic_field, alias)
    with connection.cursor() as cursor:
        cursor.execute(sql, [pk, clinic_id])
        row = cursor.fetchone()
    if row is None:
        return None
    return model.from_db(alias, attnames, rows_converted([row], converters, connection)[0])


@lru_cache(maxsize=16)
def _keyed_select(
    model: type[Model], clinic_field: str, alias: str
) -> tuple[str, list[str], Converters]:
    quote = connections[alias].ops.quote_name
    meta = model._meta
    assert meta.pk is not None
    fields = list(meta.concrete_fields)
    clinic = model_field(model, clinic_field)
    sql = (
        f"SELECT {', '.join(quote(str(field.column)) for field in fields)} "
        f"FROM {quote(meta.db_table)} "
        f"WHERE {quote(str(meta.pk.column))} = %s AND {quote(str(clinic.column))} = %s"
    )
    return sql, [field.attname for field in fields], column_converters(model, fields, alias)


def rows_matching(
    model: type[Model], fields: tuple[str, ...], **equal: Any
) -> list[tuple[Any, ...]]:
    """The `fields` of every `model` row whose columns equal the given values, unordered.

    One cached SELECT: for the small lookups of every write (the clinic's webhook endpoints
    on each intake), where building the ORM's query cost more than running it.
    """
    alias = router.db_for_read(model)
    connection = connections[alias]
    names = tuple(sorted(equal))
    sql, converters = _matching_select(model, fields, names, alias)
    values = [model_field(model, name).get_db_prep_value(equal[name], connection) for name in names]
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        rows = cursor.fetchall()
    return list(rows_converted(rows, converters, connection))


@lru_cache(maxsize=16)
def _matching_select(
    model: type[Model], fields: tuple[str, ...], names: tuple[str, ...], alias: str
) -> tuple[str, Converters]:
    quote = connections[alias].ops.quote_name
    selected = [model_field(model, name) for name in fields]
    conditions = " AND ".join(
        f"{quote(str(model_field(model, name).column))} = %s" for name in names
    )
    sql = (
        f"SELECT {', '.join(quote(str(column.column)) for column in selected)} "
        f"FROM {quote(model._meta.db_table)} WHERE {conditions}"
    )
    return sql, column_converters(model, selected, alias)


def model_field(model: type[Model], name: str) -> Field[Any, Any]:
    """The concrete field (a column) of `model` called `name`."""
    found = model._meta.get_field(name)
    assert isinstance(found, Field), f"{name} is not a column of {model.__name__}"
    return found


Converters = list[tuple[int, Col, list[Callable[..., Any]]]]


def column_converters(
    model: type[Model], fields: Sequence[Field[Any, Any]], alias: str
) -> Converters:
    """Per column of a row of `fields`: the database's and the field's value converters."""
    connection = connections[alias]
    converters = []
    for index, field in enumerate(fields):
        column = field.get_col(model._meta.db_table)
        found = connection.ops.get_db_converters(column) + field.get_db_converters(connection)
        if found:
            converters.append((index, column, found))
    return converters


def rows_converted(
    rows: Sequence[tuple[Any, ...]], converters: Converters, connection: Any
) -> Sequence[tuple[Any, ...]]:
    """`rows` with each value converted as the ORM converts it."""
    if not converters:
        return rows
    converted = []
    for row in rows:
        values = list(row)
        for index, column, functions in converters:
            for function in functions:
                values[index] = function(values[index], column, connection)
        converted.append(tuple(values))
    return converted


def timestamps_parsed_natively(cursor: CursorWrapper) -> None:
    """On PostgreSQL in UTC: this cursor's `timestamptz` values parsed by psycopg's own loader.

    Django parses every timestamp with psycopg's pure-Python loader and then sets its time zone
    on the result; on the screening list (two timestamps a row) that was 7 % of a request.
    psycopg's default loader (C, with psycopg[binary]) returns the same instant in the
    connection's time zone, which Django has set to TIME_ZONE. Used only when that is UTC, so
    every value prints as before; otherwise, and on other databases, nothing changes.
    """
    connection = cursor.db
    if connection.vendor != "postgresql" or connection.timezone_name != "UTC":
        return
    cursor.cursor.adapters.register_loader("timestamptz", _native_timestamptz_loader())


@lru_cache(maxsize=1)
def _native_timestamptz_loader() -> type[Any]:
    import psycopg
    from psycopg.pq import Format

    loader = psycopg.adapters.get_loader(psycopg.adapters.types["timestamptz"].oid, Format.TEXT)
    assert loader is not None, "psycopg loads timestamptz"
    return loader
