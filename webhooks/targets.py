"""Where a webhook may be delivered: HTTPS to public addresses only, vetted once per attempt."""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings


class WebhookUrlRefused(ValueError):
    """Why a URL may not receive webhooks; the message is the one the client is shown."""


def webhook_url_problem(url: str) -> str | None:
    """Why `url` may not receive webhooks, or None (with DEBUG on, the host is not looked up)."""
    try:
        webhook_address(url, look_up=not settings.DEBUG)
    except WebhookUrlRefused as refusal:
        return str(refusal)
    return None


def webhook_address(url: str, *, look_up: bool = True) -> str:
    """The IP address a delivery to `url` connects to, vetted ("" without `look_up`).

    HTTPS only, and never a loopback, private or link-local address (the worker must not be
    turned against the internal network); both are allowed when DEBUG is on, for local work.
    The host is looked up once and every address it answers is vetted; the delivery then
    connects to the address returned, because a second lookup by name could answer
    differently (DNS rebinding). Raises WebhookUrlRefused.
    """
    parts = urlsplit(url)
    if parts.scheme != "https" and not (settings.DEBUG and parts.scheme == "http"):
        raise WebhookUrlRefused("Webhook endpoints must use https.")
    if parts.username or parts.password:
        raise WebhookUrlRefused("Credentials in the URL are not allowed; use the signing secret.")
    if not look_up:
        return ""
    try:
        answers = socket.getaddrinfo(
            parts.hostname or "", parts.port or 443, type=socket.SOCK_STREAM
        )
    except (OSError, UnicodeError):
        raise WebhookUrlRefused("The host name does not resolve.") from None
    addresses = [str(answer[4][0]) for answer in answers]
    if not settings.DEBUG and not all(
        ipaddress.ip_address(address.split("%", 1)[0]).is_global for address in addresses
    ):
        raise WebhookUrlRefused("The host must be a public internet address.")
    return addresses[0]
