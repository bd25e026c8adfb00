"""Where a request comes from: the client's address, read through the trusted reverse proxies.

Behind `TRUSTED_PROXY_COUNT` proxies, each appends the address of its peer to
X-Forwarded-For, so the last `TRUSTED_PROXY_COUNT` hops were written by our own proxies and
the first of them is the client as the outermost proxy saw it. Anything left of it came from
the client and is ignored. With 0, the header is ignored and the socket peer is the client.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest

# An IPv6 client usually holds a whole /64: counting per address would let it take a new one
# for every request.
IPV6_CLIENT_PREFIX = 64


def client_address(request: HttpRequest) -> str:
    """The client's address, as the trusted proxies saw it (REMOTE_ADDR without a proxy)."""
    peer = request.META.get("REMOTE_ADDR", "") or "unknown"
    trusted = settings.TRUSTED_PROXY_COUNT
    if trusted <= 0:
        return peer
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    hops = [hop for hop in hops if hop]
    if not hops:
        return peer
    # Fewer hops than proxies: every hop was written by a trusted proxy; take the first.
    return hops[-min(trusted, len(hops))]


def client_key(request: HttpRequest) -> str:
    """The client's address as a counting key: an IPv6 address stands for its /64."""
    address = client_address(request)
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.ip_network(f"{parsed}/{IPV6_CLIENT_PREFIX}", strict=False))
    return str(parsed)
