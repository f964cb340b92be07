"""Where a webhook URL really points, and whether Desk may send there.

A URL is refused unless every address its host stands for is on the public internet:
loopback, private (10/8, 172.16/12, 192.168/16, fc00::/7), link-local (169.254/16 with the
clouds' metadata service, fe80::/10), CGNAT (100.64/10), multicast, reserved, unspecified
and documentation ranges are refused; IPv4 inside IPv6 (::ffff:a.b.c.d, 6to4, NAT64) is
judged by the IPv4 address it carries. Hosts are read as the C library reads them, so
`2130706433`, `0177.0.0.1`, `0x7f.1` and `127.1` are 127.0.0.1 here too; a name is resolved
and every answer judged. The caller then connects to an address judged here (`Target`),
never resolving again, so a name cannot turn private between the check and the POST."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

IP = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Sequence[str]]
_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class RefusedAddress(ValueError):
    """Desk will not send to this URL. `code`: scheme, credentials, host, unresolvable, private."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail


@dataclass(frozen=True)
class Target:
    """A URL and the address to connect to for it."""

    scheme: str
    host: str  # as written in the URL (the Host header, the TLS name)
    port: int
    path: str  # with the query
    address: str  # the judged IP address

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        default = 443 if self.scheme == "https" else 80
        return host if self.port == default else f"{host}:{self.port}"


def system_resolver(host: str, port: int) -> list[str]:
    """Every address the system's resolver gives for `host`."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def numeric_ipv4(host: str) -> ipaddress.IPv4Address | None:
    """`host` read as inet_aton reads it (1 to 4 parts, each decimal, octal with a leading 0,
    or hex with 0x; the last part fills the remaining bytes); None when it is not a number."""
    parts = host.split(".")
    if not 1 <= len(parts) <= 4 or not all(parts):
        return None
    values: list[int] = []
    for part in parts:
        lowered = part.lower()
        try:
            if lowered.startswith("0x"):
                values.append(int(lowered[2:] or "0", 16))
            elif len(lowered) > 1 and lowered.startswith("0"):
                values.append(int(lowered, 8))
            else:
                values.append(int(lowered, 10) if lowered.isdigit() else -1)
        except ValueError:
            return None
    if any(v < 0 for v in values):
        return None
    *leading, last = values
    if any(v > 255 for v in leading) or last >= 256 ** (4 - len(leading)):
        return None
    number = 0
    for v in leading:
        number = number * 256 + v
    return ipaddress.IPv4Address(number * 256 ** (4 - len(leading)) + last)


def embedded_ipv4(address: IP) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries (mapped, 6to4, NAT64), if any."""
    if isinstance(address, ipaddress.IPv4Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def is_public(address: IP) -> bool:
    """Whether `address` is on the public internet (see the module)."""
    inner = embedded_ipv4(address)
    if inner is not None and not is_public(inner):
        return False
    if address.is_multicast or address.is_loopback or address.is_link_local:
        return False
    if isinstance(address, ipaddress.IPv4Address) and address in _CGNAT:
        return False
    return address.is_global


def _literal(host: str) -> IP | None:
    try:
        return ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return numeric_ipv4(host)


def resolve(url: str, allow_private: bool = False,
            resolver: Resolver = system_resolver) -> Target:
    """The address to POST `url` to; raises RefusedAddress (see the module)."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise RefusedAddress("scheme", scheme)
    if parts.username is not None or parts.password is not None:
        raise RefusedAddress("credentials")
    host = (parts.hostname or "").rstrip(".")
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError:
        raise RefusedAddress("host", parts.netloc) from None
    if not host or any(c.isspace() for c in host):
        raise RefusedAddress("host", host)
    literal = _literal(host)
    if literal is not None:
        found = [literal]
    else:
        try:
            found = [ipaddress.ip_address(a.split("%", 1)[0]) for a in resolver(host, port)]
        except (OSError, UnicodeError, ValueError):
            raise RefusedAddress("unresolvable", host) from None
        if not found:
            raise RefusedAddress("unresolvable", host)
    if not allow_private:
        for address in found:
            if not is_public(address):
                raise RefusedAddress("private", str(address))
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(scheme, host, port, path, str(found[0]))
