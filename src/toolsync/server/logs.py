"""
Keep the server's tokens and webhook secret out of log records.

toolsync never logs them; this filter is the second line: a record whose message contains a
configured secret has it replaced by ``***`` before any handler sees it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

__all__ = ["LOGGER_NAMES", "SecretFilter", "install_secret_filter"]

#: The loggers the server's records go through.
LOGGER_NAMES: tuple[str, ...] = ("toolsync", "toolsync.server", "toolsync.registry", "toolsync.reload",
                                 "toolsync.execute", "uvicorn", "uvicorn.error", "uvicorn.access",
                                 "sse_starlette", "httpx", "mcp")
REDACTED = "***"


class SecretFilter(logging.Filter):
    """Replaces each known secret in a record's message (and its arguments) by ``***``."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self._secrets: tuple[str, ...] = ()
        self.update(secrets)

    def update(self, secrets: Iterable[str]) -> None:
        # Longest first, so a secret containing another is replaced whole.
        self._secrets = tuple(sorted({s for s in secrets if s}, key=len, reverse=True))

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._secrets:
            return True
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            return True
        clean = self.redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        return True

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return text


_FILTER = SecretFilter()


def install_secret_filter(secrets: Iterable[str], names: Iterable[str] = LOGGER_NAMES) -> SecretFilter:
    """Add ``secrets`` to the shared filter and attach it to ``names`` and to the root logger's handlers."""
    _FILTER.update([*_FILTER._secrets, *secrets])
    for name in names:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
    for handler in logging.getLogger().handlers:
        if _FILTER not in handler.filters:
            handler.addFilter(_FILTER)
    return _FILTER
