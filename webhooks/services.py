"""Webhook events: recorded with the data they announce, delivered by the worker, signed,
retried with backoff, every delivery recorded.

An event is a WebhookDelivery row per subscribed endpoint, written in the transaction of the
change it announces: the database, not the broker, knows what is still to be sent. After the
commit the delivery tasks are published (a broker failure is logged, never raised), and a
periodic sweep publishes whatever is due and was not sent. Each attempt claims its row with
a compare-and-set that also counts the attempt, so a redelivered task does no harm and a
poison event stops after MAX_ATTEMPTS.

Deliveries are signed by the Standard Webhooks scheme (with a timestamp, so a captured
delivery cannot be replayed) and, for one release, with the first release's body-only HMAC
under a header of its own; they connect to the address that was vetted.

Payloads carry ids and links, and no clinical data beyond the alarm codes of a screening
(`refer_first` and its red flag codes, e.g. `weight_loss`, `onset_after_50`): the receiver
reads the screening through the API with its own token. `patient.erased` (`receivers.py`)
carries the erased patient's id, the time and the reason code only.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import logging
import random
import ssl
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from django.db import transaction
from django.db.models import F
from django.dispatch import receiver
from django.utils import timezone
from standardwebhooks import Webhook

from clinic.celery import outbox_publish
from clinic.links import Links
from reports.models import Report
from reports.signals import report_ready
from screening.signals import screening_stored
from webhooks.models import WebhookDelivery, WebhookEndpoint
from webhooks.targets import WebhookUrlRefused, webhook_address

logger = logging.getLogger(__name__)

SCREENING_CREATED = WebhookEndpoint.Event.SCREENING_CREATED
REPORT_READY = WebhookEndpoint.Event.REPORT_READY
PATIENT_ERASED = WebhookEndpoint.Event.PATIENT_ERASED
# Standard Webhooks (https://www.standardwebhooks.com): webhook-id, webhook-timestamp and
# webhook-signature; for endpoints on the legacy scheme, the body-only HMAC of the first release.
SIGNATURE_HEADER = "Webhook-Signature"
# Payloads carry paths: the receiver reads them on the API host it already knows.
PATHS = Links("")
DELIVER_TASK = "clinic.tasks.webhook_deliver_task"  # the name of its first release
MAX_ATTEMPTS = 8
# Backoff after attempt n: BASE * 2**(n-1), capped, with +-20% jitter.
BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_CAP = timedelta(hours=6)
# While an attempt runs, the row is not due: a crashed attempt is picked up after this.
ATTEMPT_LEASE = timedelta(seconds=120)
CONNECT_TIMEOUT_SECONDS = 10
MAX_RESPONSE_BYTES = 64 * 1024
EVENT_NAMESPACE = uuid.UUID("5f0b8a8e-6a43-4d55-9a4e-3c1f2f6f1a70")


def event_id_for(event_type: str, subject_id: Any) -> uuid.UUID:
    """The same event about the same object always has the same id (emitted at most once)."""
    return uuid.uuid5(EVENT_NAMESPACE, f"{event_type}:{subject_id}")


def signing_key(secret: str) -> bytes:
    """The Standard Webhooks key of an endpoint's secret: the secret's UTF-8 bytes as they are,
    `whsec_` included, the key of the legacy signature too. Every stored secret works this way
    (the scheme's own form, `whsec_` + base64 of the key, would need an alphabet the stored
    secrets do not all use); receivers pass the bytes (`Webhook(secret.encode())`) or
    `"whsec_" + base64(secret)` to a library that takes only that form."""
    return secret.encode()


def signature_headers(
    *, secret: str, message_id: str, payload: str, at: datetime, scheme: str
) -> dict[str, str]:
    """The signature headers of one attempt.

    Standard Webhooks (`v1,<base64 HMAC-SHA256 of id.timestamp.body>`): receivers refuse a
    timestamp older than five minutes, so a captured delivery cannot be replayed. An endpoint
    registered before it keeps, for one release, the legacy body-only HMAC in the same
    `Webhook-Signature` header (header names ignore case, so the two cannot both be sent
    there).
    """
    signed_at = datetime.fromtimestamp(int(at.timestamp()), tz=UTC)
    if scheme == WebhookEndpoint.SignatureScheme.LEGACY:
        value = signature(secret, payload.encode())
    else:
        value = Webhook(signing_key(secret)).sign(message_id, signed_at, payload)
    return {
        "Webhook-Id": message_id,
        "Webhook-Timestamp": str(int(signed_at.timestamp())),
        SIGNATURE_HEADER: value,
    }


def signature(secret: str, body: bytes) -> str:
    """The deprecated legacy signature: `sha256=` and the hex HMAC-SHA256 of the raw body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signature_matches(secret: str, body: bytes, header_value: str) -> bool:
    """For receivers of the legacy signature (and tests): constant-time comparison."""
    return hmac.compare_digest(signature(secret, body), header_value or "")


def webhook_event_emit(
    *, clinic_id: int, event_type: str, subject_id: Any, data: dict[str, Any]
) -> list[int]:
    """Record the event for every endpoint of the clinic that wants it, in the caller's
    transaction, and publish the deliveries after the commit. Returns the delivery ids."""
    # Ids and subscriptions only: asked on every intake, mostly of clinics without endpoints.
    endpoint_ids = [
        endpoint_id
        for endpoint_id, events in WebhookEndpoint.objects.filter(
            clinic_id=clinic_id, is_active=True
        ).values_list("id", "events")
        if WebhookEndpoint.subscribed(events, event_type)
    ]
    if not endpoint_ids:
        return []
    event_id = event_id_for(event_type, subject_id)
    payload = json.dumps(
        {
            "id": str(event_id),
            "type": event_type,
            "created_at": timestamp_text(timezone.now()),
            "data": data,
        },
        separators=(",", ":"),
        sort_keys=True,
    )
    WebhookDelivery.objects.bulk_create(
        [
            WebhookDelivery(
                clinic_id=clinic_id,
                endpoint_id=endpoint_id,
                event_id=event_id,
                event_type=event_type,
                payload=payload,
            )
            for endpoint_id in endpoint_ids
        ],
        ignore_conflicts=True,  # emitted before: the first record stands
    )
    ids = list(
        WebhookDelivery.objects.filter(
            event_id=event_id, status=WebhookDelivery.Status.PENDING, attempts=0
        ).values_list("pk", flat=True)
    )
    if ids:
        transaction.on_commit(lambda: webhook_deliveries_publish(delivery_ids=ids))
    return ids


def timestamp_text(at: datetime) -> str:
    """A time as payloads write it: ISO 8601 in UTC, with `Z`."""
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")


def webhook_deliveries_publish(*, delivery_ids: Iterable[int]) -> int:
    """Hand delivery tasks to the broker; how many were sent. Failures are logged only: the
    rows are pending, and the sweep publishes them."""
    sent = 0
    for delivery_id in delivery_ids:
        if not outbox_publish(DELIVER_TASK, delivery_id, what="webhook delivery"):
            return sent
        sent += 1
    return sent


def screening_created_emit(*, screening: Any) -> list[int]:
    """The screening.created event of a just-created screening: ids, links, and whether it
    has alarm features (`refer_first`, the red flag codes) so that the practice's system can
    act on them first."""
    return webhook_event_emit(
        clinic_id=screening.clinic_id,
        event_type=SCREENING_CREATED,
        subject_id=screening.pk,
        data={
            "screening": screening.pk,
            "intake": screening.intake_id,
            "patient": screening.patient_id,
            "refer_first": bool(screening.refer_first),
            "red_flags": list(screening.result.get("red_flags", [])),
            "links": {
                "screening": PATHS.screening(screening.pk),
                "fhir": PATHS.risk_assessment(screening.pk),
            },
        },
    )


@receiver(report_ready, dispatch_uid="webhooks.report_ready_of_rendered_report")
def report_ready_of_rendered_report(*, report: Any, **kwargs: Any) -> None:
    report_ready_emit(report=report)


@receiver(screening_stored, dispatch_uid="webhooks.screening_created_of_stored_screening")
def screening_created_of_stored_screening(*, screening: Any, **kwargs: Any) -> None:
    screening_created_emit(screening=screening)


def report_ready_emit(*, report: Any) -> list[int]:
    """The report.ready event of a report that was just rendered."""
    return webhook_event_emit(
        clinic_id=report.clinic_id,
        event_type=REPORT_READY,
        subject_id=report_ready_subject(report),
        data={
            "report": report.pk,
            "screening": report.screening_id,
            "links": {
                "report": PATHS.report(report.screening_id),
                "pdf": PATHS.of("api:screening-report-pdf", report.screening_id),
            },
        },
    )


def report_ready_subject(report: Any) -> str:
    # Each render that finishes is its own event: a regenerated report is announced again.
    finished_at = report.finished_at.isoformat() if report.finished_at else ""
    return f"{report.pk}@{finished_at}"


def backoff_after(attempts: int, *, rng: random.Random | None = None) -> timedelta:
    delay = min(BACKOFF_BASE * 2 ** max(attempts - 1, 0), BACKOFF_CAP)
    jitter = (rng or random).uniform(0.8, 1.2)
    return delay * jitter


def webhook_delivery_attempt(
    *, delivery_id: int, now: datetime | None = None
) -> WebhookDelivery | None:
    """Try one due delivery once; the updated row, or None when it was not due (delivered,
    failed, not yet time, or another worker has it)."""
    now = now or timezone.now()
    claimed = WebhookDelivery.objects.filter(
        pk=delivery_id,
        status=WebhookDelivery.Status.PENDING,
        next_attempt_at__lte=now,
        attempts__lt=MAX_ATTEMPTS,
    ).update(attempts=F("attempts") + 1, next_attempt_at=now + ATTEMPT_LEASE)
    if not claimed:
        return None
    delivery = WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_id)
    if not delivery.endpoint.is_active:
        status_code, error = None, "the endpoint was paused"
        delivery.attempts = MAX_ATTEMPTS  # no point retrying
    else:
        status_code, error = post_signed(delivery)
    finished = timezone.now()
    delivery.last_status_code = status_code
    delivery.last_error = error[:300]
    if status_code is not None and 200 <= status_code < 300:
        delivery.status = WebhookDelivery.Status.DELIVERED
        delivery.delivered_at = finished
        delivery.last_error = ""
    elif delivery.attempts >= MAX_ATTEMPTS:
        delivery.status = WebhookDelivery.Status.FAILED
    else:
        delivery.next_attempt_at = finished + backoff_after(delivery.attempts)
    delivery.save(
        update_fields=[
            "status",
            "attempts",
            "next_attempt_at",
            "last_status_code",
            "last_error",
            "delivered_at",
        ]
    )
    logger.info(
        "webhook delivery %s attempt %s: %s %s",
        delivery.pk,
        delivery.attempts,
        status_code,
        delivery.status,
    )
    return delivery


def post_signed(delivery: WebhookDelivery) -> tuple[int | None, str]:
    """POST the payload to the endpoint: (status code, "") or (None, the error in words).

    The address is vetted again (DNS may have changed since registration) and the connection
    goes to exactly the address vetted, with the host name in `Host`, in TLS SNI and in the
    certificate check: connecting by name would look it up again, and a second answer could
    point into the internal network (DNS rebinding). Redirects are not followed (a 3xx is a
    failure): the address is the one registered.
    """
    endpoint = delivery.endpoint
    try:
        address = webhook_address(endpoint.url)
    except WebhookUrlRefused as refusal:
        return None, str(refusal)
    parts = urlsplit(endpoint.url)
    https = parts.scheme == "https"
    headers = {
        "Host": parts.netloc.encode("idna").decode("ascii"),
        "Content-Type": "application/json",
        "User-Agent": "barrier-intake-webhooks/1",
        "Webhook-Event": delivery.event_type,
        "Webhook-Delivery": str(delivery.pk),
        "Webhook-Attempt": str(delivery.attempts),
        **signature_headers(
            secret=endpoint.secret,
            message_id=str(delivery.event_id),
            payload=delivery.payload,
            at=timezone.now(),
            scheme=endpoint.signature_scheme,
        ),
    }
    connection = http.client.HTTPConnection(
        address, parts.port or (443 if https else 80), timeout=CONNECT_TIMEOUT_SECONDS
    )
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        if https:
            connection.connect()
            connection.sock = ssl.create_default_context().wrap_socket(
                connection.sock, server_hostname=parts.hostname
            )
        connection.request("POST", target, body=delivery.payload.encode(), headers=headers)
        response = connection.getresponse()
        response.read(MAX_RESPONSE_BYTES)
        return response.status, "" if 200 <= response.status < 300 else f"HTTP {response.status}"
    except (OSError, http.client.HTTPException) as error:
        return None, f"{type(error).__name__}: {error}"
    finally:
        connection.close()


def webhook_deliveries_due(*, now: datetime | None = None, limit: int = 500) -> list[int]:
    """Pending deliveries whose time has come (including attempts whose lease ran out)."""
    now = now or timezone.now()
    return list(
        WebhookDelivery.objects.filter(
            status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=now
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )


def report_ready_events_catch_up(*, since: timedelta = timedelta(hours=6)) -> int:
    """Emit report.ready for reports rendered recently whose event is not recorded yet.

    Reports are rendered by their own service; this reads their state, so an event is never
    missed, and the deterministic event id keeps it to one per report and endpoint.
    """
    clinic_ids = set(
        WebhookEndpoint.objects.filter(is_active=True).values_list("clinic_id", flat=True)
    )
    if not clinic_ids:
        return 0
    emitted = 0
    ready = Report.objects.filter(
        status=Report.Status.READY,
        clinic_id__in=clinic_ids,
        finished_at__gte=timezone.now() - since,
    ).only("pk", "clinic_id", "screening_id", "finished_at")
    for report in ready:
        event_id = event_id_for(REPORT_READY, report_ready_subject(report))
        if WebhookDelivery.objects.filter(event_id=event_id).exists():
            continue
        with transaction.atomic():
            emitted += len(report_ready_emit(report=report))
    return emitted
