"""The failed-link limit behind a reverse proxy: never a valid link refused, never a neighbour."""

from __future__ import annotations

import secrets
from typing import Any

import pytest
import redis
from django.test import Client

from api.throttling import KEY_PREFIX
from clinic.models import Invitation, Patient
from clinic.services import invitation_create

PROXY = "10.0.0.2"  # the reverse proxy: every request's socket peer
ATTACKER = "198.51.100.9"
PATIENT = "203.0.113.4"
LIMIT = 20

pytestmark = pytest.mark.django_db


def url(token: str) -> str:
    return f"/intake/{token}/welcome/"


def behind_proxy(client_ip: str, forwarded_for: str | None = None) -> Client:
    """A browser at `client_ip` whose requests reach the application through the proxy."""
    return Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded_for or client_ip)


@pytest.fixture
def one_proxy(settings: Any) -> None:
    settings.TRUSTED_PROXY_COUNT = 1
    settings.INTAKE_LINK_FAILURE_LIMIT = LIMIT


def guess_links(client: Client, count: int) -> list[int]:
    return [client.get(url(f"guess-{attempt}")).status_code for attempt in range(count)]


@pytest.mark.usefixtures("one_proxy")
def test_bad_links_from_one_client_do_not_refuse_another_clients_valid_link(token: str) -> None:
    # given an attacker past the limit, through the same proxy as the patient
    statuses = guess_links(behind_proxy(ATTACKER), LIMIT + 1)
    assert statuses == [404] * LIMIT + [429]

    # when the patient opens their link
    response = behind_proxy(PATIENT).get(url(token))

    # then it is served
    assert response.status_code == 200


@pytest.mark.usefixtures("one_proxy")
def test_a_client_past_the_limit_is_still_served_its_valid_link(token: str) -> None:
    client = behind_proxy(ATTACKER)
    guess_links(client, LIMIT)

    assert client.get(url("one-more-guess")).status_code == 429
    assert client.get(url(token)).status_code == 200


@pytest.mark.usefixtures("one_proxy")
def test_other_clients_behind_the_proxy_keep_their_own_budget_of_mistakes() -> None:
    guess_links(behind_proxy(ATTACKER), LIMIT)

    assert behind_proxy(PATIENT).get(url("mistyped")).status_code == 404


@pytest.mark.usefixtures("one_proxy")
def test_a_hop_the_client_wrote_itself_does_not_change_its_address() -> None:
    # the proxy appends the real peer after whatever the client sent
    for attempt in range(LIMIT):
        forged = f"192.0.2.{attempt}, {ATTACKER}"
        assert behind_proxy(ATTACKER, forged).get(url(f"guess-{attempt}")).status_code == 404

    assert behind_proxy(ATTACKER, f"192.0.2.99, {ATTACKER}").get(url("more")).status_code == 429


def test_without_a_trusted_proxy_a_forged_forwarded_for_is_ignored(
    settings: Any, token: str
) -> None:
    settings.TRUSTED_PROXY_COUNT = 0
    settings.INTAKE_LINK_FAILURE_LIMIT = LIMIT
    # given a client that claims a new address on every guess
    for attempt in range(LIMIT):
        forger = Client(REMOTE_ADDR=ATTACKER, HTTP_X_FORWARDED_FOR=f"192.0.2.{attempt}")
        assert forger.get(url(f"guess-{attempt}")).status_code == 404

    # then its guesses were counted against its socket address all the same
    forger = Client(REMOTE_ADDR=ATTACKER, HTTP_X_FORWARDED_FOR="192.0.2.200")
    assert forger.get(url("more")).status_code == 429
    assert forger.get(url(token)).status_code == 200
    assert Client(REMOTE_ADDR=PATIENT).get(url("mistyped")).status_code == 404


@pytest.mark.usefixtures("one_proxy")
def test_an_ipv6_client_is_counted_for_its_whole_64(token: str) -> None:
    for attempt in range(LIMIT):
        rotating = behind_proxy(f"2001:db8:1:2::{attempt + 1:x}")
        assert rotating.get(url(f"guess-{attempt}")).status_code == 404

    assert behind_proxy("2001:db8:1:2::ffff").get(url("more")).status_code == 429
    assert behind_proxy("2001:db8:1:3::1").get(url("more")).status_code == 404


@pytest.mark.usefixtures("one_proxy")
def test_an_expired_link_past_the_limit_is_refused_like_an_unknown_one(
    patient: Patient,
) -> None:
    invitation, expired_token = invitation_create(patient=patient)
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=invitation.created_at)
    client = behind_proxy(ATTACKER)
    assert client.get(url(expired_token)).status_code == 410
    guess_links(client, LIMIT)

    assert client.get(url(expired_token)).status_code == 429


@pytest.mark.usefixtures("one_proxy")
def test_with_shared_counters_in_redis_the_limit_still_spares_valid_links(
    settings: Any, redis_url: str, token: str
) -> None:
    settings.COUNTERS_REDIS_URL = redis_url
    attacker = f"198.18.{secrets.randbelow(256)}.{secrets.randbelow(256)}"
    try:
        statuses = guess_links(behind_proxy(attacker), LIMIT + 1)

        assert statuses == [404] * LIMIT + [429]
        assert behind_proxy(attacker).get(url(token)).status_code == 200
        assert behind_proxy(PATIENT).get(url(token)).status_code == 200
    finally:
        redis.Redis.from_url(redis_url).delete(f"{KEY_PREFIX}intake-link-failures:{attacker}")
