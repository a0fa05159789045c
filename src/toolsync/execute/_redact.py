"""Keep secrets out of results and log records."""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Iterable

__all__ = ["REDACTED", "SecretRedactor", "install_log_filter", "redactor"]

REDACTED = "***"
# Short values would blank out ordinary words; real keys, tokens and passwords are longer.
_MIN_SECRET = 4


class SecretRedactor:
    """Replaces every remembered secret by ``***``; remembers the most recent ``capacity`` secrets."""

    def __init__(self, capacity: int = 256) -> None:
        self._secrets: OrderedDict[str, None] = OrderedDict()
        self._capacity = capacity
        self._lock = threading.Lock()

    def remember(self, secrets: Iterable[str]) -> None:
        with self._lock:
            for secret in secrets:
                if len(secret) >= _MIN_SECRET:
                    self._secrets[secret] = None
                    self._secrets.move_to_end(secret)
            while len(self._secrets) > self._capacity:
                self._secrets.popitem(last=False)

    def redact(self, text: str, extra: Iterable[str] = ()) -> str:
        with self._lock:
            secrets = [*self._secrets, *(s for s in extra if len(s) >= _MIN_SECRET)]
        # Longest first, so a secret that contains another is replaced whole.
        for secret in sorted(set(secrets), key=len, reverse=True):
            if secret in text:
                text = text.replace(secret, REDACTED)
        return text


redactor = SecretRedactor()


class _RedactingFilter(logging.Filter):
    """Rewrites a record's message with secrets replaced (httpx logs full URLs, query included)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = redactor.redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        return True


_filter = _RedactingFilter()


def install_log_filter(names: Iterable[str] = ("httpx", "httpcore", "toolsync.execute")) -> None:
    """Attach the redacting filter to the loggers that may see request URLs (idempotent)."""
    for name in names:
        logger = logging.getLogger(name)
        if _filter not in logger.filters:
            logger.addFilter(_filter)
