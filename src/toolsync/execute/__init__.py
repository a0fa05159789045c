"""
Execute tool calls against the real API.

- :func:`build_request`: a tool and its arguments to an ``httpx.Request`` (pure).
- :func:`validate_arguments`: problems with a model's arguments, as sentences.
- :class:`Executor`: validate, guard, send, retry, cap, and answer with a :class:`ToolResult`.
- :func:`check_current`: a ``tool_changed`` result when a reload changed the tool mid-flight.
"""

from __future__ import annotations

from .changed import check_current
from .config import ExecutionConfig
from .credentials import CredentialResolver, OAuth2TokenCache, ResolvedCredentials
from .executor import Executor, call_sync
from .request import build_request
from .result import ErrorType, ToolResult
from .validation import validate_arguments

__all__ = [
    "CredentialResolver",
    "ErrorType",
    "ExecutionConfig",
    "Executor",
    "OAuth2TokenCache",
    "ResolvedCredentials",
    "ToolResult",
    "build_request",
    "call_sync",
    "check_current",
    "validate_arguments",
]
