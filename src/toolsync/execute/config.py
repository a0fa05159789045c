"""How tool calls of one spec are executed: where they go, with which credentials, within which bounds."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from ..ir import SecurityScheme

if TYPE_CHECKING:
    from ..config import SpecConfig
    from ..ir import Spec

__all__ = ["DEFAULT_MAX_ARGUMENT_BYTES", "ExecutionConfig"]

DEFAULT_MAX_ARGUMENT_BYTES = 256 * 1024


@dataclass(frozen=True, slots=True)
class ExecutionConfig:
    """
    Execution settings for the tools of one spec.

    ``credentials`` maps a securityScheme name to the *name* of an environment variable; the
    value is read at call time and never stored. The forms are:

    - apiKey, http bearer, or an already issued OAuth2/OpenID Connect token: ``{"scheme": "VAR"}``
    - http basic: ``{"scheme": "USER_VAR:PASS_VAR"}``, or ``{"scheme.username": "USER_VAR",
      "scheme.password": "PASS_VAR"}``, or ``{"scheme": "VAR"}`` where VAR holds ``user:password``
    - OAuth2 client credentials: ``{"scheme": "CLIENT_ID_VAR:CLIENT_SECRET_VAR"}``, or
      ``{"scheme.client_id": ..., "scheme.client_secret": ...}``

    ``security_schemes`` are the spec's scheme definitions (``Spec.security_schemes``); without
    them no credentials can be applied. ``source_url`` is the URL the spec was loaded from, used
    to resolve a relative server URL. :meth:`for_spec` fills both from a loaded spec.

    Example:
        >>> cfg = ExecutionConfig(server_url="https://api.example.com/v1", credentials={"key": "API_KEY"})
        >>> cfg.max_retries
        2
    """

    server_url: str | None = None
    server_variables: Mapping[str, str] = field(default_factory=dict)
    # Hosts besides the spec's servers a call (or a redirect) may reach: "host", "host:port", "*.suffix".
    allowed_hosts: tuple[str, ...] = ()
    # Loopback, private and link-local addresses are refused unless this is true.
    allow_private: bool = False
    credentials: Mapping[str, str] = field(default_factory=dict)
    security_schemes: Mapping[str, SecurityScheme] = field(default_factory=dict)
    source_url: str | None = None
    timeout: float = 30.0
    max_response_bytes: int = 1_000_000
    max_retries: int = 2
    # Longest wait a Retry-After header may impose before a retry, in seconds.
    max_retry_wait: float = 10.0
    max_redirects: int = 5
    max_argument_bytes: int = DEFAULT_MAX_ARGUMENT_BYTES
    # Sent with every request (a User-Agent, a tenant header); arguments and credentials win.
    headers: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def for_spec(cls, spec: Spec, spec_config: SpecConfig | None = None, **overrides: Any) -> ExecutionConfig:
        """A config carrying the spec's security schemes and source URL, plus a spec's settings."""
        source = spec.source if spec.source.startswith(("http://", "https://")) else None
        base = cls(security_schemes=dict(spec.security_schemes), source_url=source)
        if spec_config is not None:
            base = replace(
                base,
                credentials=dict(spec_config.credentials),
                server_url=spec_config.server_url,
                allowed_hosts=tuple(spec_config.allowed_hosts),
            )
        return replace(base, **overrides)
