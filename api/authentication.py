"""API authentication: bearer tokens of a clinic's machine clients, sessions of its staff.

This module must not import DRF views: the settings name these classes, and DRF builds
`APIView` from them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import connections, router
from django.http import HttpRequest
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, SessionAuthentication
from rest_framework.request import Request

from clinic.models import ApiClient, token_hash

logger = logging.getLogger(__name__)

# Writing `last_used_at` on every request would turn each read into a write.
LAST_USED_RESOLUTION = timedelta(minutes=5)


@dataclass(frozen=True)
class ClientIdentity:
    """What `request.user` is for a machine client: authenticated, never a staff user."""

    client: ApiClient
    is_authenticated: bool = field(default=True, init=False)
    is_anonymous: bool = field(default=False, init=False)
    is_active: bool = field(default=True, init=False)
    is_superuser: bool = field(default=False, init=False)
    is_staff: bool = field(default=False, init=False)
    pk: None = field(default=None, init=False)

    @property
    def clinic_id(self) -> int:
        return self.client.clinic_id

    def __str__(self) -> str:
        return f"api client {self.client.pk}"


class ApiClientAuthentication(BaseAuthentication):
    """`Authorization: Bearer <token>`; only the token's SHA-256 is stored and looked up."""

    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[ClientIdentity, ApiClient] | None:
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if not header:
            return None
        scheme, _, token = header.partition(" ")
        if scheme.lower() != self.keyword.lower():
            return None
        token = token.strip()
        if not token or " " in token or len(token) > 200:
            raise exceptions.AuthenticationFailed("Invalid token.", code="invalid_token")
        now = timezone.now()
        found = api_client_by_token(token, last_used_before=now - LAST_USED_RESOLUTION)
        if found is None:
            # The same answer for unknown and revoked tokens: no hint which one it was.
            raise exceptions.AuthenticationFailed("Invalid token.", code="invalid_token")
        client, last_use_is_stale = found
        if last_use_is_stale:
            ApiClient.objects.filter(pk=client.pk).update(last_used_at=now)
            client.last_used_at = now
        return ClientIdentity(client), client

    def authenticate_header(self, request: Request) -> str:
        # Makes DRF answer 401 (not 403) to a request without credentials.
        return f'{self.keyword} realm="api"'


def api_client_by_token(token: str, *, last_used_before: datetime) -> tuple[ApiClient, bool] | None:
    """The unrevoked client of a bearer token, and whether its last use predates the cutoff.

    Asked of the database on every request (no cache: a revoked token is refused at once).
    Hand-written, because it runs before every API request: the ORM's query
    (`ApiClient.objects.filter(token_sha256=..., revoked_at__isnull=True)`) took 364 µs of CPU
    against 107 µs for this statement (fastest of 15 rounds of 300 lookups, interleaved in one
    process, PostgreSQL), on every API request. Under gunicorn the gain is within the noise of
    `bench/bench_api.py` (two separate runs: the list 0.131 and 0.136 of the bare view). The
    columns pass through the same database converters as the ORM's.
    """
    connection = connections[router.db_for_read(ApiClient)]
    meta = ApiClient._meta
    fields = meta.concrete_fields
    quote = connection.ops.quote_name
    # Only the table's and columns' own names are put in the text; the hash is a parameter.
    sql = " ".join(
        [
            "SELECT",
            ", ".join(quote(str(model_field.column)) for model_field in fields),
            "FROM",
            quote(meta.db_table),
            "WHERE",
            quote(str(meta.get_field("token_sha256").column)),
            "= %s AND",
            quote(str(meta.get_field("revoked_at").column)),
            "IS NULL",
        ]
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [token_hash(token)])
        row = cursor.fetchone()  # token_sha256 is unique
    if row is None:
        return None
    values = []
    for model_field, value in zip(fields, row, strict=True):
        column = model_field.get_col(meta.db_table)
        converters = connection.ops.get_db_converters(column)
        for convert in [*converters, *column.get_db_converters(connection)]:
            value = convert(value, column, connection)
        values.append(value)
    attnames = [model_field.attname for model_field in fields]
    client = ApiClient.from_db(connection.alias, attnames, values)
    return client, client.last_used_at is None or client.last_used_at < last_used_before


class StaffSessionAuthentication(SessionAuthentication):
    """The dashboard's signed-in staff, with Django's CSRF check on unsafe methods."""


def principal_key(request: Request | HttpRequest) -> str | None:
    """'client:<id>' or 'user:<id>' for an authenticated request, else None."""
    auth = getattr(request, "auth", None)
    if isinstance(auth, ApiClient):
        return f"client:{auth.pk}"
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and getattr(user, "pk", None) is not None:
        return f"user:{user.pk}"
    return None
