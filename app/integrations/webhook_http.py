"""POSTing webhook payloads to the URLs accounts give us, without letting a URL reach inside our network.

A URL is a request we make on someone else's behalf (SSRF). Every address its host resolves to is checked at
delivery time, and the connection goes to the address that was checked, never to a second lookup (a DNS answer
that changes between check and connect, "DNS rebinding", cannot slip a private address in). Link-local
addresses (cloud metadata at 169.254.169.254) and other non-routable ones are always refused; private and
loopback ones only unless WEBHOOKS_ALLOW_PRIVATE is on (tests, development). Redirects are not followed: a 3xx
is the receiver's answer, recorded like any other.
"""
import http.client
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from app.integrations import IntegrationError, RetryableIntegrationError

MAX_RESPONSE_BYTES = 64 * 1024  # read at most this much of an answer; the log keeps the first KB
USER_AGENT = "CampaignHub-Webhooks/1"
# Answers worth trying again later; every other 4xx means the receiver refused this payload for good.
RETRYABLE_STATUSES = {408, 429}


class UnsafeDestination(IntegrationError):
    """The URL leads somewhere we never send to (private, loopback, link-local, not a web URL)."""


@dataclass
class Response:
    status: int
    body: str
    duration_ms: int
    retry_after: float | None = None


def _parse(url: str) -> tuple[str, str, int, str]:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UnsafeDestination("The URL must start with http:// or https:// and name a host")
    if parts.username or parts.password:
        raise UnsafeDestination("The URL must not carry a user name or password")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise UnsafeDestination("The URL's port is not valid") from None
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return parts.scheme, parts.hostname, port, path


def address_problem(ip: ipaddress.IPv4Address | ipaddress.IPv6Address, *, allow_private: bool) -> str | None:
    """Why we never send to `ip` (None when we may)."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # ::ffff:169.254.169.254 is the metadata service too
    if ip.is_link_local:
        return "a link-local address (such as a cloud metadata service)"
    if ip.is_multicast or ip.is_unspecified or ip.is_reserved:
        return "an address that is not a host on the internet"
    if ip.is_global:
        return None
    if allow_private and (ip.is_private or ip.is_loopback):
        return None
    return "a private or loopback address"


def resolve(url: str, *, allow_private: bool) -> list[str]:
    """The addresses `url`'s host resolves to, every one of them checked; UnsafeDestination if any is refused
    (a name with one public and one private address is refused, or a second lookup could pick the private one)."""
    _scheme, host, port, _path = _parse(url)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise RetryableIntegrationError(f"Could not resolve {host}: {exc}") from exc
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    for address in addresses:
        problem = address_problem(ipaddress.ip_address(address.split("%")[0]), allow_private=allow_private)
        if problem:
            raise UnsafeDestination(f"{host} resolves to {problem}; webhooks are not sent there")
    if not addresses:
        raise RetryableIntegrationError(f"{host} has no address")
    return addresses


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to an address checked beforehand, whatever the host name resolves to now."""

    def __init__(self, host: str, port: int, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """As above over TLS: the certificate is still checked against the host name (SNI too)."""

    def __init__(self, host: str, port: int, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def post(url: str, body: bytes, headers: dict[str, str], *, timeout: float, allow_private: bool) -> Response:
    """POST `body` to `url` and return the answer, whatever its status.

    Raises UnsafeDestination for a refused address, RetryableIntegrationError for a network failure, a timeout
    or a TLS failure (a receiver may fix its certificate).
    """
    scheme, host, port, path = _parse(url)
    address = resolve(url, allow_private=allow_private)[0]
    cls = _PinnedHTTPSConnection if scheme == "https" else _PinnedHTTPConnection
    connection = cls(host, port, address, timeout)
    started = time.monotonic()
    try:
        connection.request("POST", path, body=body, headers={
            "Content-Type": "application/json", "User-Agent": USER_AGENT, **headers})
        answer = connection.getresponse()
        text = answer.read(MAX_RESPONSE_BYTES).decode("utf-8", "replace")
    except (OSError, http.client.HTTPException) as exc:  # refused, reset, timed out, garbled
        reason = "timed out" if isinstance(exc, TimeoutError) else f"{exc.__class__.__name__}: {exc}"
        raise RetryableIntegrationError(f"POST to {host} failed: {reason}"[:400]) from exc
    finally:
        connection.close()
    return Response(answer.status, text, int((time.monotonic() - started) * 1000),
                    _seconds(answer.getheader("Retry-After")))


def _seconds(value: str | None) -> float | None:
    """Retry-After in seconds (the HTTP-date form is rare from receivers and read as absent)."""
    try:
        return min(max(float(value), 0.0), 86400.0) if value else None
    except ValueError:
        return None
