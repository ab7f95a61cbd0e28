"""HTTP to the central server: timeouts, retries with exponential backoff and jitter, an
optional proxy (SOCKS5 for Tor), an optional TLS pin, and a cancel flag that is heard within
0.1 s even while a request hangs on a stalled link. `check_server_url` is the one rule for
server addresses (https anywhere, plain http to this computer only), applied by every
`Transport` before it connects.

A server that gives no answer at all (refused or timed-out connections, cut links) for
``unreachable_after`` seconds is unreachable: the request raises `ServerUnreachable` then,
whatever attempts are left, and every later request of this transport (this sync) fails at
once instead of waiting again, so the user hears it within seconds, not minutes. Any
answer, even an error status, restarts that clock; a slow answer is not silence.

Errors come out typed: `ServerUnreachable` after the allowed attempts, `DeviceRevoked` when
the server says so, `ServerRefused` for any other refusal (no retry: asking again would
not help), `TLSPinMismatch` when the certificate is not the pinned one, `TLSUntrusted` when
there is no pin and no authority vouches for it.
"""

from __future__ import annotations

import random
import ssl
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

import httpx

from .errors import (
    BadServerUrl,
    DeviceRevoked,
    NotApproved,
    PlainHttpRefused,
    ServerRefused,
    ServerUnreachable,
    SyncCancelled,
    TLSPinMismatch,
    TLSPinNeedsHttps,
    TLSUntrusted,
)
from .tls import is_loopback_host, normalise_pin, pin_of_certificate

T = TypeVar("T")

RETRY_STATUSES = (429, 500, 502, 503, 504)
CANCEL_POLL_SECONDS = 0.1  # how soon Cancel is heard while a request hangs on the link
UNREACHABLE_AFTER = 8.0    # seconds without any answer: the server is unreachable


@dataclass
class Settings:
    """How to talk to the server (the defaults suit a poor link)."""

    proxy: str | None = None
    timeout: float = 60.0
    connect_timeout: float = UNREACHABLE_AFTER
    attempts: int = 6
    backoff: float = 0.5
    backoff_max: float = 30.0
    tls_pin: str | None = None
    insecure_http: bool = False  # plain http:// beyond loopback (labs only)
    cancel: threading.Event = field(default_factory=threading.Event)
    unreachable_after: float = UNREACHABLE_AFTER
    #: called (from the sync's thread) while waiting before another attempt
    on_wait: Callable[[], None] | None = None


def backoff_delay(attempt: int, base: float, ceiling: float) -> float:
    """Exponential backoff with "full jitter" in the upper half: attempt 0 waits about
    ``base``, each later one about twice as long, never more than ``ceiling``."""
    delay = min(ceiling, base * (2 ** attempt))
    return delay * random.uniform(0.5, 1.0)


def check_server_url(url: str, pin: str | None, insecure_http: bool) -> bool:
    """The one rule for server addresses, applied before any connection is made.

    ``https://`` to any host is allowed (with ``pin``: the pin is the trust; without: the
    usual certificate authorities). Plain ``http://`` is allowed to loopback hosts only,
    unless ``insecure_http`` (a lab network). Raises `BadServerUrl`, `TLSPinNeedsHttps` or
    `PlainHttpRefused` (all exit 2), `InvalidInput` for a malformed pin. Returns True when
    the traffic will cross a network in clear (the caller warns once)."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError):
        raise BadServerUrl(url=str(url)[:100]) from None
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise BadServerUrl(url=str(url)[:100])
    if pin is not None:
        normalise_pin(pin)
    if parsed.scheme == "https":
        return False
    if pin:
        raise TLSPinNeedsHttps()
    if is_loopback_host(parsed.host):
        return False
    if not insecure_http:
        raise PlainHttpRefused(host=parsed.host[:100])
    return True


def _check_pin(der: bytes | None, pin: str) -> None:
    try:
        ok = der is not None and pin_of_certificate(der) == pin
    except ValueError:  # a certificate cryptography cannot parse is not the pinned one
        ok = False
    if not ok:
        raise TLSPinMismatch()


class _PinnedSocket(ssl.SSLSocket):
    def do_handshake(self, block: bool = False) -> None:
        super().do_handshake(block)
        _check_pin(self.getpeercert(binary_form=True), cast(PinnedContext, self.context).pin)


class _PinnedObject(ssl.SSLObject):
    """TLS inside TLS (an https:// proxy) runs on an SSLObject, not a socket."""

    def do_handshake(self) -> None:
        super().do_handshake()
        _check_pin(self.getpeercert(binary_form=True), cast(PinnedContext, self.context).pin)


class PinnedContext(ssl.SSLContext):
    """TLS that trusts exactly one public key (the pin: SHA-256 of the certificate's
    SubjectPublicKeyInfo, see `sync.tls`), checked when the handshake completes — before
    any request (or token) is sent, whatever the proxy. Field servers often have
    self-signed certificates; the pin from the invite replaces the certificate authorities.
    """

    pin = ""
    sslsocket_class = _PinnedSocket
    sslobject_class = _PinnedObject


def pinned_context(pin: str) -> PinnedContext:
    context = PinnedContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # the pin is the verification (checked above)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.pin = normalise_pin(pin)
    return context


def _untrusted_certificate(exc: BaseException) -> bool:
    """True when a connection failed because the certificate did not verify."""
    seen: BaseException | None = exc
    for _depth in range(8):
        if seen is None:
            return False
        if isinstance(seen, ssl.SSLCertVerificationError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _error_code(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return ""
    return str(body.get("code", ""))[:60] if isinstance(body, dict) else ""


class GiveUp:
    """Closed by ``Transport.until_cancelled`` when it stops waiting for a piece of work."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.given_up = False


class Transport:
    """One server, one device token; a pooled HTTP client."""

    def __init__(self, base_url: str, token: str | None = None,
                 settings: Settings | None = None) -> None:
        self.settings = settings or Settings()
        s = self.settings
        check_server_url(base_url, s.tls_pin, s.insecure_http)  # before any connection
        self.base_url = base_url.rstrip("/")
        self.token = token
        verify: ssl.SSLContext | bool = pinned_context(s.tls_pin) if s.tls_pin else True
        self.client = httpx.Client(
            base_url=self.base_url, proxy=s.proxy, trust_env=False, verify=verify,
            timeout=httpx.Timeout(s.timeout, connect=s.connect_timeout),
            headers={"User-Agent": "fieldapp"})
        self.bytes_sent = 0
        self.bytes_received = 0
        self.down_reason: str | None = None   # set once the server counts as unreachable
        self._silent_since: float | None = None

    @property
    def down(self) -> bool:
        """True once the server gave no answer for ``unreachable_after`` seconds."""
        return self.down_reason is not None

    def answered(self) -> None:
        """The server answered: the silence clock starts again from zero."""
        self._silent_since = None

    def no_answer(self, reason: str) -> None:
        """An exchange got no answer; raises `ServerUnreachable` once the silence has
        lasted ``unreachable_after`` seconds (and for every request after that)."""
        now = time.monotonic()
        if self._silent_since is None:
            self._silent_since = now
        if now - self._silent_since >= self.settings.unreachable_after:
            self.down_reason = reason
        if self.down_reason is not None:
            raise ServerUnreachable(reason=self.down_reason)

    def _silence_left(self) -> float:
        if self._silent_since is None:
            return self.settings.unreachable_after
        return self.settings.unreachable_after - (time.monotonic() - self._silent_since)

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> Transport:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def check_cancel(self) -> None:
        if self.settings.cancel.is_set():
            raise SyncCancelled()

    def wait(self, seconds: float) -> None:
        """Sleep ``seconds`` unless cancelled first."""
        if self.settings.cancel.wait(seconds):
            raise SyncCancelled()

    def _exchange(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """One HTTP exchange, given up at once when the sync is cancelled meanwhile (see
        ``until_cancelled``). A given-up exchange ends by itself within the timeouts and its
        answer is dropped; that is safe because nothing leaves the outbox until an answer
        is applied, and the server takes a repeated push or upload as already done."""
        return self.until_cancelled(
            lambda _gate: self.client.request(method, path, **kwargs))

    def until_cancelled(self, work: Callable[[GiveUp], T]) -> T:
        """Run ``work`` and return what it returns, or raise SyncCancelled as soon as the
        sync is cancelled, even while ``work`` hangs on a stalled link.

        A read blocked on a stalled link cannot be interrupted from another thread (closing
        the client does not wake it), so ``work`` runs in a thread of its own and this one
        waits for its end or the cancel flag, whichever comes first. When it gives up, it
        sets the ``GiveUp`` gate under its lock: ``work`` must do each of its side effects
        (a block written to disk) under that lock and only while the gate is open, so
        nothing is done in its name once SyncCancelled has been raised."""
        outcome: list[tuple[bool, Any]] = []
        done = threading.Event()
        gate = GiveUp()

        def run() -> None:
            try:
                outcome.append((True, work(gate)))
            except BaseException as exc:  # noqa: BLE001 - handed over to the waiting thread
                outcome.append((False, exc))
            finally:
                done.set()

        threading.Thread(target=run, name="fieldapp-http", daemon=True).start()
        while not done.wait(CANCEL_POLL_SECONDS):
            if self.settings.cancel.is_set():
                with gate.lock:
                    gate.given_up = True
                raise SyncCancelled()
        ok, value = outcome[0]
        if not ok:
            raise value
        return cast(T, value)

    def request(self, method: str, path: str, *, content: bytes | None = None,
                json: Any = None, headers: Mapping[str, str] | None = None,
                params: Mapping[str, Any] | None = None, auth: bool = True,
                retry: bool = True, ok: tuple[int, ...] = (200, 201, 204),
                on_attempt_failed: Callable[[int, str], None] | None = None,
                ) -> httpx.Response:
        """Send with retries (only for transport failures, 429 and 5xx); raises typed."""
        all_headers = dict(headers or {})
        if auth and self.token:
            all_headers["Authorization"] = f"Bearer {self.token}"
        attempts = self.settings.attempts if retry else 1
        reason = ""
        if self.down_reason is not None:
            raise ServerUnreachable(reason=self.down_reason)
        for attempt in range(attempts):
            self.check_cancel()
            s = self.settings
            connect = max(1.0, min(s.connect_timeout, self._silence_left()))
            try:
                response = self._exchange(method, path, content=content, json=json,
                                          headers=all_headers, params=params,
                                          timeout=httpx.Timeout(s.timeout, connect=connect))
            except httpx.TransportError as exc:
                if _untrusted_certificate(exc):
                    raise TLSUntrusted() from None  # asking again would not help
                reason = type(exc).__name__
                self.no_answer(reason)
            else:
                self.answered()
                self.bytes_sent += len(content or b"")
                self.bytes_received += len(response.content)
                if response.status_code in ok:
                    return response
                code = _error_code(response)
                if response.status_code == 401 and code == "revoked":
                    raise DeviceRevoked()
                if response.status_code == 403 and code == "not_approved":
                    raise NotApproved()
                if response.status_code not in RETRY_STATUSES:
                    raise ServerRefused(status=response.status_code, code=code)
                reason = f"HTTP {response.status_code}"
                if response.status_code == 429:
                    after = response.headers.get("Retry-After", "")
                    if after.isdigit() and attempt + 1 < attempts:
                        self.wait(min(float(after), self.settings.backoff_max))
                        continue
            if on_attempt_failed:
                on_attempt_failed(attempt, reason)
            if attempt + 1 < attempts:
                if self.settings.on_wait is not None:
                    self.settings.on_wait()
                delay = backoff_delay(attempt, self.settings.backoff, self.settings.backoff_max)
                if self._silent_since is not None:  # never wait past the silence limit
                    delay = min(delay, max(0.05, self._silence_left()))
                self.wait(delay)
        raise ServerUnreachable(reason=reason)
