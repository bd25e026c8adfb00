"""Safe retries of POSTs: a request sent again with the same Idempotency-Key gets the first
response again, and nothing is created twice.

The key row is inserted in the same transaction as the POST's writes. A concurrent request
with the same key blocks on the unique index until the first one commits, then replays its
response; if the first one fails, its key row is rolled back with everything else and the
key can be used again. Only successful (2xx) responses are kept, for 24 hours.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.response import Response

from api.models import IdempotencyKey
from api.permissions import Principal, request_principal
from api.renderers import RawJSON, json_text
from audit.services import audit_record
from screening.documents import canonical_json

HEADER = "Idempotency-Key"
KEY_PATTERN = re.compile(r"[\x21-\x7e]{1,255}")
RETENTION = timedelta(hours=24)


class IdempotencyKeyReused(exceptions.APIException):
    status_code = 422
    default_detail = "This Idempotency-Key was already used with a different request."
    default_code = "idempotency_key_reused"


class IdempotencyKeyBusy(exceptions.APIException):
    status_code = 409
    default_detail = "A request with this Idempotency-Key is in progress; try again."
    default_code = "idempotency_key_in_progress"


class _Discard(Exception):
    """Rolls back the key row (and any writes) of a request that did not succeed."""

    def __init__(self, response: Response) -> None:
        super().__init__()
        self.response = response


def request_fingerprint(request: Request) -> str:
    """The same method, path and JSON body (in any key order or spacing) match."""
    body = canonical_json(request.data)
    text = f"{request.method}\n{request.path}\n{body}"
    return hashlib.sha256(text.encode()).hexdigest()


def idempotent_response(
    request: Request,
    produce: Callable[[], Response],
    handle_exception: Callable[[Exception], Response],
) -> Response:
    """`produce()` once per key: the response of the first success, replayed afterwards."""
    key = request.headers.get(HEADER)
    if key is None:
        return produce()
    if not KEY_PATTERN.fullmatch(key):
        raise exceptions.ValidationError(
            {HEADER: ["Must be 1-255 printable ASCII characters without spaces."]}
        )
    principal = request_principal(request)
    fingerprint = request_fingerprint(request)
    stored = _stored(principal, key)
    if stored is not None:
        return _replay(stored, fingerprint, request, principal)
    try:
        with transaction.atomic():
            record = _claim(principal, key, fingerprint)
            try:
                response = produce()
            except Exception as error:  # noqa: BLE001 - answered like any other view error
                raise _Discard(handle_exception(error)) from error
            if not 200 <= response.status_code < 300:
                raise _Discard(response)
            record.status_code = response.status_code
            record.response_body = json_text(response.data)
            record.location = response.get("Location", "")[:500]
            record.save(update_fields=["status_code", "response_body", "location"])
    except _Discard as discard:
        return discard.response
    except IntegrityError:
        # Another request with this key committed first: answer as it did.
        stored = _stored(principal, key)
        if stored is None:
            raise IdempotencyKeyBusy() from None
        return _replay(stored, fingerprint, request, principal)
    return response


def _stored(principal: Principal, key: str) -> IdempotencyKey | None:
    cutoff = timezone.now() - RETENTION
    return IdempotencyKey.objects.filter(
        principal=principal.key, key=key, created_at__gte=cutoff
    ).first()


def _claim(principal: Principal, key: str, fingerprint: str) -> IdempotencyKey:
    cutoff = timezone.now() - RETENTION
    IdempotencyKey.objects.filter(principal=principal.key, key=key, created_at__lt=cutoff).delete()
    with transaction.atomic():
        return IdempotencyKey.objects.create(
            clinic_id=principal.clinic_id,
            principal=principal.key,
            key=key,
            request_sha256=fingerprint,
        )


def _replay(
    stored: IdempotencyKey, fingerprint: str, request: Request, principal: Principal
) -> Response:
    if stored.request_sha256 != fingerprint:
        raise IdempotencyKeyReused()
    # A replay shows the stored response again: a read like any other.
    audit_record(
        clinic=principal.clinic_id,
        action="read",
        object_type="idempotent_replay",
        object_id=stored.pk,
        user=principal.user,
        api_client=principal.client,
        detail=request.path,
    )
    headers = {"Idempotent-Replayed": "true"}
    if stored.location:
        headers["Location"] = stored.location
    return Response(RawJSON(stored.response_body), status=stored.status_code, headers=headers)


def idempotency_keys_purge() -> int:
    """Delete keys past their retention; returns how many."""
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=timezone.now() - RETENTION).delete()
    return deleted
