"""
Credentials for tool calls, read from the environment at call time.

Secrets are never stored in a :class:`~toolsync.tool.Tool`, a result, an event or a log
record: :class:`ResolvedCredentials` lives for one call and its ``repr`` shows names only.
Supported: apiKey (header, query, cookie), http bearer and basic, OAuth2 client credentials
(token cached until shortly before it expires, refreshed once on a 401), and an already
issued OAuth2/OpenID Connect token given as one variable. See :class:`ExecutionConfig` for
the configuration forms.
"""

from __future__ import annotations

import asyncio
import base64
import os
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode, urljoin

import httpx
import orjson

from ..errors import ConfigError, ExecutionError, UpstreamError
from ..ir import Operation, SecurityScheme
from .config import ExecutionConfig

__all__ = [
    "CredentialResolver",
    "CredentialVars",
    "OAuth2TokenCache",
    "ResolvedCredentials",
    "TokenKey",
    "credential_vars",
    "token_urls",
]

Send = Callable[[httpx.Request], Awaitable[httpx.Response]]

_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_SUFFIXES = {"username": 0, "client_id": 0, "password": 1, "client_secret": 1}
_UNSAFE = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True, slots=True)
class CredentialVars:
    """The environment variable names feeding one security scheme."""

    primary: str
    secondary: str | None = None


@dataclass(frozen=True, slots=True)
class TokenKey:
    """Identifies one cached OAuth2 token."""

    token_url: str
    client_id: str
    scopes: tuple[str, ...]


@dataclass(frozen=True, slots=True, repr=False)
class ResolvedCredentials:
    """What one call adds to its request; masks every value in ``repr``."""

    schemes: tuple[str, ...] = ()
    headers: Mapping[str, str] = field(default_factory=dict)
    query: Mapping[str, str] = field(default_factory=dict)
    cookies: Mapping[str, str] = field(default_factory=dict)
    # Values to redact from results and logs (the raw secrets and their encoded forms).
    secrets: tuple[str, ...] = ()
    oauth_tokens: tuple[TokenKey, ...] = ()

    def __repr__(self) -> str:
        names = [*self.headers, *(f"query:{k}" for k in self.query), *(f"cookie:{k}" for k in self.cookies)]
        return f"ResolvedCredentials(schemes={list(self.schemes)}, sets={names}, values=***)"

    __str__ = __repr__


def credential_vars(mapping: Mapping[str, str]) -> dict[str, CredentialVars]:
    """Parse the ``credentials`` setting into variable names per scheme (see :class:`ExecutionConfig`)."""
    split: dict[str, list[str | None]] = {}
    for key, value in mapping.items():
        scheme, _, suffix = key.rpartition(".")
        slot = _SUFFIXES.get(suffix) if scheme else None
        names: list[str | None]
        if slot is None:
            scheme, names = key, list(value.split(":", 1))
        else:
            names = [value] if slot == 0 else [None, value]
        entry = split.setdefault(scheme, [None, None])
        for i, name in enumerate(names):
            if name is not None:
                entry[i] = _check_env_name(scheme, name.strip())
    out: dict[str, CredentialVars] = {}
    for scheme, (primary, secondary) in split.items():
        if primary is None:
            raise ConfigError(f"credentials for scheme {scheme!r} name a secret but no user or client id")
        out[scheme] = CredentialVars(primary, secondary)
    return out


def _check_env_name(scheme: str, name: str) -> str:
    if not _ENV_NAME.match(name):
        raise ConfigError(
            f"credentials for scheme {scheme!r}: {name!r} is not an environment variable name "
            "(use NAME, or USER_VAR:PASS_VAR for basic auth and client credentials)"
        )
    return name


def token_urls(operation: Operation, config: ExecutionConfig, base: str) -> tuple[str, ...]:
    """OAuth2 token URLs of the schemes the operation may use (the guard allows their hosts)."""
    urls = []
    for requirement in operation.security:
        for name in requirement:
            scheme = config.security_schemes.get(name)
            url = _token_url(scheme, base) if scheme else None
            if url:
                urls.append(url)
    return tuple(urls)


def _token_url(scheme: SecurityScheme, base: str) -> str | None:
    flow = scheme.flows.get("clientCredentials") if scheme.type == "oauth2" else None
    url = flow.get("tokenUrl") if isinstance(flow, Mapping) else None
    # A relative token URL is relative to the API's server (OpenAPI 3.1 "URL" resolution).
    return urljoin(base.rstrip("/") + "/", url) if isinstance(url, str) and url else None


class OAuth2TokenCache:
    """Client-credentials tokens by (token URL, client id, scopes), kept until ``skew`` s before expiry."""

    def __init__(self, *, skew: float = 30.0, default_lifetime: float = 300.0) -> None:
        self._skew = skew
        self._default_lifetime = default_lifetime
        self._tokens: dict[TokenKey, tuple[str, float]] = {}
        self._locks: dict[TokenKey, asyncio.Lock] = {}

    def invalidate(self, key: TokenKey) -> None:
        """Forget a token the API refused, so the next call fetches a new one."""
        self._tokens.pop(key, None)

    async def token(self, key: TokenKey, secret: str, send: Send) -> str:
        """A valid access token for ``key``, fetched once per expiry even under concurrency."""
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            cached = self._tokens.get(key)
            if cached is not None and cached[1] > time.monotonic():
                return cached[0]
            token, lifetime = await self._fetch(key, secret, send)
            self._tokens[key] = (token, time.monotonic() + max(lifetime - self._skew, 0.0))
            return token

    async def _fetch(self, key: TokenKey, secret: str, send: Send) -> tuple[str, float]:
        form = {"grant_type": "client_credentials"}
        if key.scopes:
            form["scope"] = " ".join(key.scopes)
        # RFC 6749 2.3.1: id and secret are form-encoded before they are joined for Basic auth.
        basic = base64.b64encode(f"{quote(key.client_id, safe='')}:{quote(secret, safe='')}".encode()).decode()
        request = httpx.Request(
            "POST", key.token_url, content=urlencode(form).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json",
                     "Authorization": f"Basic {basic}"},
        )
        response = await send(request)
        return self._parse(key, response)

    def _parse(self, key: TokenKey, response: httpx.Response) -> tuple[str, float]:
        try:
            data: Any = orjson.loads(response.content)
        except orjson.JSONDecodeError:
            data = None
        if response.status_code >= 400 or not isinstance(data, dict) or not data.get("access_token"):
            reason = data.get("error") if isinstance(data, dict) else None
            raise UpstreamError(
                f"the OAuth2 token endpoint answered {response.status_code}"
                + (f" ({reason})" if isinstance(reason, str) else "")
                + "; check the client id and secret variables",
                source=key.token_url,
            )
        lifetime = data.get("expires_in")
        if isinstance(lifetime, int | float) and not isinstance(lifetime, bool) and lifetime > 0:
            return str(data["access_token"]), float(lifetime)
        return str(data["access_token"]), self._default_lifetime


class CredentialResolver:
    """Turns an operation's security requirements into :class:`ResolvedCredentials` for one call."""

    def __init__(self, *, env: Mapping[str, str] | None = None, tokens: OAuth2TokenCache | None = None) -> None:
        self._env = env
        self.tokens = tokens or OAuth2TokenCache()

    async def resolve(
        self, operation: Operation, config: ExecutionConfig, *, base: str, send: Send
    ) -> ResolvedCredentials | None:
        """
        Credentials of the first security alternative whose variables are all set.

        Returns None when the operation needs none, or when no scheme it names is configured
        (the API then decides). Raises ExecutionError when a configured variable is unset.
        """
        if not operation.security:
            return None
        env = os.environ if self._env is None else self._env
        refs = credential_vars(config.credentials)
        unset: list[str] = []
        for requirement in operation.security:
            chosen = self._choose(requirement, config, refs, env, unset)
            if chosen is not None:
                return await self._apply(chosen, requirement, env, base, send)
        undefined = sorted({n for r in operation.security for n in r if n in refs
                            and n not in config.security_schemes})
        if undefined:
            raise ExecutionError(
                f"credentials are configured for {', '.join(undefined)} but the execution settings hold no "
                "such security scheme; build them with ExecutionConfig.for_spec(spec, ...)"
            )
        if unset:
            raise ExecutionError(
                f"credentials are configured but environment variable(s) {', '.join(sorted(set(unset)))} "
                "are not set; export them before calling this tool"
            )
        return None

    def _choose(
        self,
        requirement: Mapping[str, tuple[str, ...]],
        config: ExecutionConfig,
        refs: Mapping[str, CredentialVars],
        env: Mapping[str, str],
        unset: list[str],
    ) -> list[tuple[SecurityScheme, CredentialVars]] | None:
        chosen = []
        for name in requirement:
            scheme, ref = config.security_schemes.get(name), refs.get(name)
            if scheme is None or ref is None:
                return None
            missing = [v for v in (ref.primary, ref.secondary) if v and not env.get(v)]
            if missing:
                unset += missing
                return None
            chosen.append((scheme, ref))
        return chosen

    async def _apply(
        self,
        chosen: list[tuple[SecurityScheme, CredentialVars]],
        requirement: Mapping[str, tuple[str, ...]],
        env: Mapping[str, str],
        base: str,
        send: Send,
    ) -> ResolvedCredentials:
        out = _Builder()
        for scheme, ref in chosen:
            primary = _secret(scheme, env[ref.primary])
            secondary = _secret(scheme, env[ref.secondary]) if ref.secondary else None
            await self._one(out, scheme, primary, secondary, tuple(requirement.get(scheme.name, ())), base, send)
        return out.build(tuple(s.name for s, _ in chosen))

    async def _one(
        self, out: _Builder, scheme: SecurityScheme, primary: str, secondary: str | None,
        scopes: tuple[str, ...], base: str, send: Send,
    ) -> None:
        kind = scheme.type.lower()
        http = (scheme.scheme or "").lower()
        if kind == "apikey":
            out.api_key(scheme, primary)
        elif kind == "http" and http == "basic":
            out.basic(scheme, primary, secondary)
        elif (kind == "http" and http == "bearer") or (kind in ("oauth2", "openidconnect") and not secondary):
            out.bearer(primary)
        elif kind == "oauth2" and secondary:
            url = _token_url(scheme, base)
            if url is None:
                raise ExecutionError(f"security scheme {scheme.name!r} has no clientCredentials flow with a "
                                     "tokenUrl; configure an access token variable instead")
            key = TokenKey(url, primary, scopes)
            out.bearer(await self.tokens.token(key, secondary, send), extra_secrets=(secondary,), key=key)
        else:
            raise ExecutionError(f"security scheme {scheme.name!r} ({scheme.type} {scheme.scheme or ''}) "
                                 "is not supported for calls; remove it from credentials")


def _secret(scheme: SecurityScheme, value: str) -> str:
    if _UNSAFE.search(value):
        raise ExecutionError(f"the credential for scheme {scheme.name!r} contains control characters")
    return value


@dataclass
class _Builder:
    headers: dict[str, str] = field(default_factory=dict)
    query: dict[str, str] = field(default_factory=dict)
    cookies: dict[str, str] = field(default_factory=dict)
    secrets: list[str] = field(default_factory=list)
    tokens: list[TokenKey] = field(default_factory=list)

    def api_key(self, scheme: SecurityScheme, value: str) -> None:
        name = scheme.parameter_name or ""
        if not name:
            raise ExecutionError(f"apiKey scheme {scheme.name!r} names no parameter to send the key in")
        where = {"query": self.query, "cookie": self.cookies}.get(scheme.location or "header", self.headers)
        if where is self.cookies and ";" in value:
            raise ExecutionError(f"the credential for scheme {scheme.name!r} contains ';'")
        where[name] = value
        self.secrets += [value, quote(value, safe="")]

    def basic(self, scheme: SecurityScheme, user: str, password: str | None) -> None:
        pair = f"{user}:{password}" if password is not None else user
        if ":" not in pair:
            raise ExecutionError(f"basic auth scheme {scheme.name!r} needs USER_VAR:PASS_VAR, or one "
                                 "variable holding user:password")
        token = base64.b64encode(pair.encode()).decode()
        self.headers["Authorization"] = f"Basic {token}"
        self.secrets += [token, pair.partition(":")[2]]

    def bearer(self, value: str, *, extra_secrets: tuple[str, ...] = (), key: TokenKey | None = None) -> None:
        self.headers["Authorization"] = f"Bearer {value}"
        self.secrets += [value, *extra_secrets]
        if key is not None:
            self.tokens.append(key)

    def build(self, schemes: tuple[str, ...]) -> ResolvedCredentials:
        return ResolvedCredentials(
            schemes=schemes, headers=dict(self.headers), query=dict(self.query), cookies=dict(self.cookies),
            secrets=tuple(s for s in dict.fromkeys(self.secrets) if s), oauth_tokens=tuple(self.tokens),
        )
