"""Webhook signatures and addresses: Standard Webhooks signatures that a receiver's library
verifies and a replay cannot pass, the deprecated body-only HMAC for one release, and
deliveries that connect to the very address that was vetted (no DNS rebinding)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import socket
import ssl
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from pytest_django import Settings as SettingsWrapper
from standardwebhooks import Webhook, WebhookVerificationError

from clinic.models import Clinic
from tests.webhooks.webhook_receiver import webhook_receiver
from webhooks import services as webhooks
from webhooks.models import WebhookDelivery, WebhookEndpoint

SECRET = "whsec_test-secret"
PAYLOAD = '{"data":{"screening":1},"id":"e","type":"screening.created"}'


class RebindingDns:
    """A resolver that answers `first` for a host name once and `later` afterwards, as a
    hostile DNS server can; IP literals resolve to themselves, as they do for real."""

    def __init__(self, first: str, later: str) -> None:
        self.first, self.later = first, later
        self.lookups: list[str] = []

    def __call__(self, host: str, port: Any, *args: Any, **kwargs: Any) -> list[Any]:
        try:
            address = str(ipaddress.ip_address(host))
        except ValueError:
            self.lookups.append(host)
            address = self.first if len(self.lookups) == 1 else self.later
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]


def delivery_to(clinic: Clinic, url: str) -> WebhookDelivery:
    endpoint = WebhookEndpoint.objects.create(clinic=clinic, url=url, secret=SECRET)
    return WebhookDelivery.objects.create(
        clinic=clinic,
        endpoint=endpoint,
        event_id=uuid.uuid4(),
        event_type="screening.created",
        payload=PAYLOAD,
    )


def test_the_standard_signature_is_the_hmac_of_id_timestamp_and_body_keyed_by_the_secret() -> None:
    at = datetime(2026, 5, 4, 3, 2, 1, tzinfo=UTC)
    headers = webhooks.signature_headers(
        secret=SECRET, message_id="m1", payload=PAYLOAD, at=at, scheme="standard"
    )
    expected = hmac.new(SECRET.encode(), f"m1.{int(at.timestamp())}.{PAYLOAD}".encode(), "sha256")
    assert headers["Webhook-Id"] == "m1"
    assert headers["Webhook-Timestamp"] == str(int(at.timestamp()))
    assert headers["Webhook-Signature"] == "v1," + base64.b64encode(expected.digest()).decode()
    # libraries that take only the `whsec_` form get the same key as base64
    whsec = "whsec_" + base64.b64encode(SECRET.encode()).decode()
    with time_machine.travel(at, tick=False):
        assert Webhook(whsec).verify(PAYLOAD, headers) == {
            "data": {"screening": 1},
            "id": "e",
            "type": "screening.created",
        }


@pytest.mark.django_db
def test_a_captured_delivery_replayed_later_is_rejected_by_the_library(
    settings: SettingsWrapper, clinic_a: Clinic
) -> None:
    # given a delivery captured on its way
    settings.DEBUG = True
    with webhook_receiver(secret=SECRET) as receiver:
        delivery = delivery_to(clinic_a, receiver.url)
        webhooks.webhook_delivery_attempt(delivery_id=delivery.pk)
    [captured] = receiver.received
    assert captured.verified is True
    # when it is sent again ten minutes later, as it was or with a fresh timestamp
    later = datetime.now(tz=UTC) + timedelta(minutes=10)
    refreshed = {**captured.headers, "Webhook-Timestamp": str(int(later.timestamp()))}
    # then the library refuses both
    with time_machine.travel(later, tick=False):
        with pytest.raises(WebhookVerificationError, match="too old"):
            Webhook(SECRET.encode()).verify(captured.body, captured.headers)
        with pytest.raises(WebhookVerificationError, match="No matching signature"):
            Webhook(SECRET.encode()).verify(captured.body, refreshed)


def test_an_endpoint_on_the_legacy_scheme_keeps_the_body_hmac_its_receiver_checks() -> None:
    body = PAYLOAD.encode()
    headers = webhooks.signature_headers(
        secret=SECRET, message_id="m1", payload=PAYLOAD, at=datetime.now(tz=UTC), scheme="legacy"
    )
    legacy = headers["Webhook-Signature"]
    assert legacy == "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert webhooks.signature_matches(SECRET, body, legacy)
    assert not webhooks.signature_matches(SECRET, body + b" ", legacy)
    assert not webhooks.signature_matches("whsec_other", body, legacy)
    assert not webhooks.signature_matches(SECRET, body, "")


@pytest.mark.django_db(transaction=True)
def test_endpoints_registered_before_keep_the_legacy_scheme_and_new_ones_get_the_standard(
    clinic_a: Clinic,
) -> None:
    # given an endpoint registered before the signature scheme existed
    before = [("clinic", "0005_clinic_alarm_contacts")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    earlier = executor.loader.project_state(before).apps.get_model("clinic", "WebhookEndpoint")
    earlier.objects.create(clinic_id=clinic_a.pk, url="https://hooks.example.org/a", secret=SECRET)
    # when the database is migrated
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    # then it keeps the signature its receiver checks, and a new endpoint gets the standard
    assert WebhookEndpoint.objects.get().signature_scheme == "legacy"
    new = WebhookEndpoint.objects.create(
        clinic=clinic_a, url="https://hooks.example.org/b", secret=SECRET
    )
    assert new.signature_scheme == WebhookEndpoint.SignatureScheme.STANDARD


@pytest.mark.django_db
def test_a_delivery_connects_to_the_vetted_address_when_dns_answers_loopback_afterwards(
    settings: SettingsWrapper, clinic_a: Clinic, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a host whose DNS answers a public address, then loopback
    settings.DEBUG = False
    dns = RebindingDns(first="93.184.216.34", later="127.0.0.1")
    monkeypatch.setattr(socket, "getaddrinfo", dns)
    connected: list[tuple[str, int]] = []
    handshakes: list[tuple[str | None, bool, ssl.VerifyMode]] = []

    def connect(address: tuple[str, int], *args: Any, **kwargs: Any) -> socket.socket:
        connected.append(address)
        return socket.socket(socket.AF_INET, socket.SOCK_STREAM)  # not connected: no network

    def handshake(context: ssl.SSLContext, sock: socket.socket, **kwargs: Any) -> Any:
        handshakes.append(
            (kwargs.get("server_hostname"), context.check_hostname, context.verify_mode)
        )
        sock.close()
        raise ssl.SSLCertVerificationError("no certificate in this test")

    monkeypatch.setattr(socket, "create_connection", connect)
    monkeypatch.setattr(ssl.SSLContext, "wrap_socket", handshake)
    delivery = delivery_to(clinic_a, "https://hooks.example.org/in")
    # when it is delivered
    attempted = webhooks.webhook_delivery_attempt(delivery_id=delivery.pk)
    # then the name was looked up once, to vet it, and the connection went to that address
    assert dns.lookups == ["hooks.example.org"]
    assert connected == [("93.184.216.34", 443)]
    # with TLS for the host name: SNI, and the certificate checked against it
    assert handshakes == [("hooks.example.org", True, ssl.CERT_REQUIRED)]
    assert attempted is not None and attempted.last_error.startswith("SSLCertVerificationError")


@pytest.mark.django_db
def test_a_delivery_to_the_vetted_address_carries_the_host_name(
    settings: SettingsWrapper, clinic_a: Clinic, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.DEBUG = True  # plain HTTP to the loopback receiver
    dns = RebindingDns(first="127.0.0.1", later="127.0.0.2")
    monkeypatch.setattr(socket, "getaddrinfo", dns)
    with webhook_receiver(secret=SECRET) as receiver:
        port = receiver.url.split(":")[2].split("/")[0]
        delivery = delivery_to(clinic_a, f"http://hooks.example.test:{port}/hooks/barrier")
        attempted = webhooks.webhook_delivery_attempt(delivery_id=delivery.pk)
    assert attempted is not None and attempted.status == WebhookDelivery.Status.DELIVERED
    assert dns.lookups == ["hooks.example.test"]
    [request] = receiver.received
    assert request.headers["Host"] == f"hooks.example.test:{port}"
    assert request.path == "/hooks/barrier" and request.verified is True


@pytest.mark.django_db
def test_a_patch_moves_an_endpoint_from_the_legacy_scheme_to_the_standard(
    clinic_a: Clinic, writer: Any
) -> None:
    endpoint = WebhookEndpoint.objects.create(
        clinic=clinic_a,
        url="https://hooks.example.org/a",
        secret=SECRET,
        signature_scheme=WebhookEndpoint.SignatureScheme.LEGACY,
    )
    assert writer.get(f"/api/v1/webhooks/{endpoint.pk}/").json()["signature_scheme"] == "legacy"

    response = writer.patch(
        f"/api/v1/webhooks/{endpoint.pk}/", {"signature_scheme": "standard"}, format="json"
    )

    assert response.status_code == 200, response.content
    endpoint.refresh_from_db()
    assert endpoint.signature_scheme == WebhookEndpoint.SignatureScheme.STANDARD
    refused = writer.patch(
        f"/api/v1/webhooks/{endpoint.pk}/", {"signature_scheme": "md5"}, format="json"
    )
    assert refused.status_code == 400 and "signature_scheme" in refused.content.decode()
