"""
The signed reload webhook: ``POST /webhooks/reload``.

A delivery carries two headers:

* ``X-Toolsync-Timestamp``: unix seconds when it was signed; it must be within
  ``server.webhook_tolerance`` (default 300 s) of the server's clock;
* ``X-Toolsync-Signature: sha256=<hex>``: HMAC-SHA256 with the shared secret
  (``server.webhook_secret``) over ``f"{timestamp}."`` followed by the raw body bytes.

A delivery whose signature was already accepted is refused (a replay); signatures are
remembered for the tolerance window, in bounded memory. Any failure is a 401 and nothing is
reloaded. The body is JSON: ``{"spec": "<name>"}`` reloads one spec, ``{"source": "<path or URL>"}``
one watched source, ``{}`` every watched source. A valid delivery is answered 202 and goes into
the same reload queue as the file watcher (trigger ``webhook``).

Signing from a shell (curl + openssl)::

    ts=$(date +%s); body='{"spec":"petstore"}'
    sig=$(printf '%s.%s' "$ts" "$body" | openssl dgst -sha256 -hmac "$TOOLSYNC_WEBHOOK_SECRET" -hex | sed 's/^.* //')
    curl -X POST http://127.0.0.1:8765/webhooks/reload -H 'Content-Type: application/json' \\
         -H "X-Toolsync-Timestamp: $ts" -H "X-Toolsync-Signature: sha256=$sig" -d "$body"

From Python, :func:`sign` gives the headers.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping

from ..errors import AuthError
from ..settings import Secret

__all__ = ["SIGNATURE_HEADER", "TIMESTAMP_HEADER", "WebhookVerifier", "sign", "signature"]

TIMESTAMP_HEADER = "X-Toolsync-Timestamp"
SIGNATURE_HEADER = "X-Toolsync-Signature"
_SIGNATURE = re.compile(r"^sha256=([0-9a-fA-F]{64})$")
_TIMESTAMP = re.compile(r"^[0-9]{1,12}$")


def signature(secret: str | bytes, timestamp: int | str, body: bytes) -> str:
    """The hex HMAC-SHA256 of ``f"{timestamp}." + body`` keyed by ``secret``."""
    key = secret.encode() if isinstance(secret, str) else secret
    return hmac.new(key, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def sign(secret: str | bytes, body: bytes, timestamp: int | None = None) -> dict[str, str]:
    """The two headers that make ``body`` a valid delivery (signed now unless ``timestamp`` is given)."""
    stamp = int(time.time()) if timestamp is None else timestamp
    return {TIMESTAMP_HEADER: str(stamp), SIGNATURE_HEADER: f"sha256={signature(secret, stamp, body)}"}


class WebhookVerifier:
    """
    Checks deliveries: secret configured, timestamp fresh, signature right, not seen before.

    Accepted signatures are remembered until their timestamp leaves the tolerance window. When
    more than ``capacity`` are remembered, the oldest are forgotten and every delivery signed at or
    before the newest forgotten one is refused, so a replay can never slip through a full cache.
    """

    def __init__(self, secret: Secret | None, tolerance: float = 300.0, *, capacity: int = 10_000,
                 clock: Callable[[], float] = time.time) -> None:
        self._secret = secret
        self._tolerance = tolerance
        self._capacity = capacity
        self._clock = clock
        self._seen: OrderedDict[str, int] = OrderedDict()  # signature -> timestamp, oldest first
        self._floor = -1  # deliveries signed at or before this can no longer be checked for replay
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self._secret is not None

    def verify(self, headers: Mapping[str, str], body: bytes) -> None:
        """
        Accept one delivery or raise.

        Raises:
            AuthError: no secret configured, a missing or malformed header, a timestamp outside the
                tolerance, a wrong signature, or a replayed delivery.
        """
        if self._secret is None:
            raise AuthError("the reload webhook is disabled: no webhook secret is configured (set "
                            "server.webhook_secret or TOOLSYNC_WEBHOOK_SECRET)", source="webhook")
        stamp = self._timestamp(headers.get(TIMESTAMP_HEADER.lower()) or headers.get(TIMESTAMP_HEADER))
        given = self._signature(headers.get(SIGNATURE_HEADER.lower()) or headers.get(SIGNATURE_HEADER))
        expected = signature(self._secret.reveal(), stamp, body)
        if not hmac.compare_digest(expected.encode(), given.encode()):
            raise AuthError(f"the {SIGNATURE_HEADER} does not match the body and timestamp; sign "
                            f"'<timestamp>.<raw body>' with HMAC-SHA256 and the shared secret", source="webhook")
        self._remember(given, stamp)

    def _timestamp(self, raw: str | None) -> int:
        if raw is None or not _TIMESTAMP.match(raw.strip()):
            raise AuthError(f"the {TIMESTAMP_HEADER} header must hold the unix time in seconds",
                            source="webhook")
        stamp = int(raw.strip())
        skew = abs(self._clock() - stamp)
        if skew > self._tolerance:
            raise AuthError(f"the delivery was signed {skew:.0f} s away from the server's time; at most "
                            f"{self._tolerance:.0f} s are accepted (check the sender's clock)", source="webhook")
        return stamp

    @staticmethod
    def _signature(raw: str | None) -> str:
        match = _SIGNATURE.match((raw or "").strip())
        if match is None:
            raise AuthError(f"the {SIGNATURE_HEADER} header must be 'sha256=' and 64 hex digits",
                            source="webhook")
        return match.group(1).lower()

    def _remember(self, given: str, stamp: int) -> None:
        with self._lock:
            self._expire()
            if given in self._seen or stamp <= self._floor:
                raise AuthError("this delivery was already received; a replayed delivery is refused",
                                source="webhook")
            self._seen[given] = stamp
            while len(self._seen) > self._capacity:
                _, dropped = self._seen.popitem(last=False)
                self._floor = max(self._floor, dropped)

    def _expire(self) -> None:
        oldest = self._clock() - self._tolerance
        while self._seen:
            first = next(iter(self._seen))
            if self._seen[first] >= oldest:
                break
            del self._seen[first]
