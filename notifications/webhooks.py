"""Webhooks: which URLs may be called, the signing secret, the Standard Webhooks
signature, and the POST itself.

A student chooses the URL, so the service must not become a way into its own network
(SSRF): a target is refused when any address it resolves to is not a public one
(loopback, private, link-local such as the cloud metadata address 169.254.169.254,
carrier-grade NAT, reserved), unless ``NOTIFICATIONS_ALLOW_PRIVATE_WEBHOOKS`` is on.
The check runs when the subscription is made and again at each send, which connects
to the very address it checked (a name that resolves elsewhere the second time, DNS
rebinding, gains nothing). Redirects are never followed.
"""

import base64
import hashlib
import hmac
import ipaddress
import secrets
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

import urllib3
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings

from core.errors import InvalidField
from notifications.errors import SendFailed

SECRET_PREFIX = "whsec_"
_SECRET_BYTES = 32
_USER_AGENT = "course-enrollment-webhooks/1"
# Names that are private whatever they resolve to (or before they resolve at all).
_PRIVATE_NAMES = ("localhost", "metadata.google.internal")
_PRIVATE_SUFFIXES = (".localhost", ".internal", ".local")
# A receiver's answer is read only this far: enough for an error message.
_RESPONSE_PEEK_BYTES = 512


# --- which URLs may be called ------------------------------------------------------


class WebhookTargetRefused(Exception):
    """A URL or address the service will not call; the message says why."""


# IPv6 prefixes that carry an IPv4 address in their last 32 bits (NAT64, RFC 6052 and
# 8215; IPv4-compatible, RFC 4291): the IPv4 address is what gets reached.
_IPV4_CARRIERS = [ipaddress.ip_network(prefix) for prefix in ("64:ff9b::/96", "64:ff9b:1::/48", "::/96")]


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if address.ipv4_mapped:
        return address.ipv4_mapped
    if address.sixtofour:
        return address.sixtofour
    if address.teredo:
        return address.teredo[1]
    if any(address in carrier for carrier in _IPV4_CARRIERS):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def _address_allowed(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if settings.NOTIFICATIONS_ALLOW_PRIVATE_WEBHOOKS:
        return True
    if isinstance(address, ipaddress.IPv6Address) and (embedded := _embedded_ipv4(address)) is not None:
        if not _address_allowed(embedded):
            return False
    return address.is_global and not address.is_multicast


def _url_parts(url: str) -> tuple[str, str, int]:
    """The scheme, host and port of an acceptable webhook URL; ``WebhookTargetRefused`` otherwise."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise WebhookTargetRefused("This is not a valid URL.") from exc
    allowed_schemes = {"https", "http"} if settings.NOTIFICATIONS_ALLOW_PRIVATE_WEBHOOKS else {"https"}
    if parts.scheme not in allowed_schemes:
        raise WebhookTargetRefused(f"The URL must use {' or '.join(sorted(allowed_schemes))}.")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise WebhookTargetRefused("The URL has no host.")
    if parts.fragment:
        raise WebhookTargetRefused("The URL must not have a #fragment.")
    return parts.scheme, host, port or (443 if parts.scheme == "https" else 80)


def _name_allowed(host: str) -> bool:
    host = host.lower()
    return settings.NOTIFICATIONS_ALLOW_PRIVATE_WEBHOOKS or not (
        host in _PRIVATE_NAMES or host.endswith(_PRIVATE_SUFFIXES)
    )


def _literal_address(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def _resolve(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to; ``socket.gaierror`` if it does not."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def _target(url: str) -> tuple[str, str, int, list[str]]:
    """The scheme, host, port and addresses to call for ``url``, every one allowed.

    ``WebhookTargetRefused`` for a URL or address the service will not call;
    ``socket.gaierror`` (or ``UnicodeError``) for a name that does not resolve.
    """
    scheme, host, port = _url_parts(url)
    if not _name_allowed(host):
        raise WebhookTargetRefused(f"{host} is not a public host.")
    addresses = [host] if _literal_address(host) else _resolve(host, port)
    for address in addresses:
        if not _address_allowed(ipaddress.ip_address(address.split("%")[0])):
            raise WebhookTargetRefused(f"{host} resolves to {address}, which is not a public address.")
    return scheme, host, port, addresses


def webhook_url_check(url: str) -> str:
    """``url`` if the service may call it; ``InvalidField`` on ``webhook_url`` otherwise.

    A name that does not resolve now is accepted (it may by the time an event comes);
    the check at send time still applies to it.
    """
    try:
        _target(url)
    except WebhookTargetRefused as exc:
        raise InvalidField("webhook_url", str(exc)) from exc
    except (socket.gaierror, UnicodeError):
        pass
    return url


# --- the signing secret ------------------------------------------------------------


def webhook_secret_new() -> str:
    """A new signing secret in the Standard Webhooks form: ``whsec_`` + base64 of 32 random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(_SECRET_BYTES)).decode()


def _sealer() -> MultiFernet:
    # Keys derive from SECRET_KEY (then its fallbacks, for a key rotation in progress).
    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return MultiFernet(
        [
            Fernet(base64.urlsafe_b64encode(hashlib.sha256(f"notifications.webhook-secret|{key}".encode()).digest()))
            for key in keys
        ]
    )


def secret_seal(secret: str) -> str:
    """``secret`` encrypted for storage: a copy of the table alone does not let anyone sign."""
    return _sealer().encrypt(secret.encode()).decode()


def secret_unseal(sealed: str) -> str:
    try:
        return _sealer().decrypt(sealed.encode()).decode()
    except InvalidToken as exc:
        raise SendFailed("The signing secret cannot be decrypted (was SECRET_KEY changed?).", transient=False) from exc


# --- the signature (https://www.standardwebhooks.com/) -------------------------------


def webhook_signature(*, secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """``v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`` keyed by the secret's bytes."""
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    signed = f"{message_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


# --- the POST ----------------------------------------------------------------------


@dataclass(frozen=True)
class WebhookResponse:
    status: int


def _failure_of_status(status: int, headers: urllib3.HTTPHeaderDict, peek: bytes) -> SendFailed:
    detail = peek.decode("utf-8", "replace").strip().replace("\n", " ")[:200]
    message = f"HTTP {status}" + (f": {detail}" if detail else "")
    if status == 429 or status == 408 or status >= 500:
        retry_after = headers.get("Retry-After", "")
        return SendFailed(message, transient=True, retry_after=float(retry_after) if retry_after.isdigit() else None)
    if 300 <= status < 400:
        return SendFailed(f"{message} (redirects are not followed)", transient=False)
    return SendFailed(message, transient=False)


def webhook_post(*, url: str, body: bytes, headers: dict[str, str]) -> WebhookResponse:
    """POST ``body`` to ``url``; raises ``SendFailed`` unless the receiver answers 2xx.

    Transient (retried): no answer, a timeout, 408, 429 and 5xx. Anything else, a
    refused target included, fails the delivery at once.
    """
    try:
        scheme, host, port, (address, *_others) = _target(url)
    except WebhookTargetRefused as exc:
        raise SendFailed(f"Refused target: {exc}", transient=False) from exc
    except (socket.gaierror, UnicodeError) as exc:
        raise SendFailed(f"Cannot resolve {url}: {exc}", transient=True) from exc
    parts = urlsplit(url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    timeout = urllib3.Timeout(
        connect=settings.NOTIFICATIONS_WEBHOOK_CONNECT_TIMEOUT_SECONDS,
        read=settings.NOTIFICATIONS_WEBHOOK_READ_TIMEOUT_SECONDS,
    )
    pool: urllib3.HTTPConnectionPool
    if scheme == "https":
        # Connect to the checked address; verify the certificate against the name.
        pool = urllib3.HTTPSConnectionPool(
            address,
            port,
            server_hostname=host,
            assert_hostname=host,
            cert_reqs="CERT_REQUIRED",
            timeout=timeout,
            retries=False,
            maxsize=1,
        )
    else:
        pool = urllib3.HTTPConnectionPool(address, port, timeout=timeout, retries=False, maxsize=1)
    request_headers = {
        **headers,
        "Host": parts.netloc.rpartition("@")[2],
        "User-Agent": _USER_AGENT,
        "Content-Type": "application/json",
    }
    try:
        with pool:
            response = pool.urlopen(
                "POST", target, body=body, headers=request_headers, redirect=False, preload_content=False
            )
            try:
                peek = b"" if 200 <= response.status < 300 else response.read(_RESPONSE_PEEK_BYTES)
            finally:
                response.release_conn()
    except urllib3.exceptions.HTTPError as exc:
        raise SendFailed(f"{type(exc).__name__}: {exc}", transient=True) from exc
    if not 200 <= response.status < 300:
        raise _failure_of_status(response.status, response.headers, peek)
    return WebhookResponse(status=response.status)
