"""Where a webhook may go: public internet addresses only.

A subscriber chooses the address the station's server will POST to, so the
address must not reach into the station's own networks (the database on
localhost, the cloud metadata service on 169.254.169.254, the office LAN).
`resolve` gives every address a host name resolves to and refuses the lot if
any of them is loopback, private, link-local, reserved, multicast or
unspecified (a literal IP is checked the same way). It is called when a
subscription is made and again at every send, and the sender connects to the
address it checked (never resolving the name a second time), so a DNS answer
that changes in between cannot redirect the POST.

`WEBHOOK_ALLOW_PRIVATE = True` (settings) turns the refusal off: for tests and
the demo, which deliver to 127.0.0.1.
"""

from __future__ import annotations

import ipaddress
import socket

from django.conf import settings

IP = ipaddress.IPv4Address | ipaddress.IPv6Address


class AddressRefused(Exception):
    """The host is, or resolves to, a non-public address."""


def private_allowed() -> bool:
    return bool(getattr(settings, "WEBHOOK_ALLOW_PRIVATE", False))


def _not_public(ip: IP) -> bool:
    return (ip.is_loopback or ip.is_private or ip.is_link_local or ip.is_reserved
            or ip.is_multicast or ip.is_unspecified or not ip.is_global)


def is_public(ip: IP) -> bool:
    """A global unicast address; IPv4 wrapped in IPv6 (::ffff:a.b.c.d, 6to4)
    is judged by the IPv4 address inside."""
    if isinstance(ip, ipaddress.IPv6Address):
        inner = ip.ipv4_mapped or ip.sixtofour
        if inner is not None and _not_public(inner):
            return False
    return not _not_public(ip)


def resolve(host: str, port: int) -> list[IP]:
    """Every address `host` resolves to (socket.getaddrinfo), in its order.
    Raises AddressRefused if any is not public (unless WEBHOOK_ALLOW_PRIVATE),
    OSError (or ValueError / UnicodeError for a malformed name) if it does not
    resolve."""
    found: list[IP] = []
    for family, _type, _proto, _name, sockaddr in socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM):
        if family not in (socket.AF_INET, socket.AF_INET6):
            continue
        ip = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])  # no IPv6 zone
        if ip not in found:
            found.append(ip)
    if not found:
        raise OSError(f"{host} has no address")
    if not private_allowed() and not all(is_public(ip) for ip in found):
        raise AddressRefused(host)
    return found
