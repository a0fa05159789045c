"""
Carry out tool calls against the real API and return structured results.

One call: validate the arguments, resolve credentials, build the request (pure), check the
outbound guard (again on every redirect hop), send with timeouts, retry idempotent methods on
connection failures and 429/503, read at most ``max_response_bytes``, and answer with a
:class:`ToolResult`. Tool-level failures are results, never exceptions.
"""

from __future__ import annotations

import asyncio
import base64
import codecs
import contextlib
import logging
import re
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self

import httpx
import orjson

from ..errors import (
    ArgumentError,
    ConfigError,
    ExecutionError,
    FetchBlockedError,
    OutboundBlockedError,
    ToolChangedError,
    ToolsyncError,
    UpstreamError,
)
from ..limits import FetchPolicy
from ..netguard import guarded_transport
from ..tool import Tool
from ._body import is_json_media
from ._redact import install_log_filter, redactor
from ._retry import IDEMPOTENT_METHODS, RETRY_STATUSES, backoff, parse_retry_after
from ._servers import HostRule, allowed_hosts, base_url
from .config import ExecutionConfig
from .credentials import CredentialResolver, OAuth2TokenCache, ResolvedCredentials, token_urls
from .guard import check_outbound, origin_text
from .request import build_request
from .result import ErrorType, ToolResult
from .validation import validate_arguments

__all__ = ["Executor", "call_sync"]

logger = logging.getLogger("toolsync.execute")

_ERROR_TYPES: tuple[tuple[type[ToolsyncError], ErrorType], ...] = (
    (ArgumentError, ErrorType.INVALID_ARGUMENTS),
    (OutboundBlockedError, ErrorType.BLOCKED),
    (ToolChangedError, ErrorType.TOOL_CHANGED),
    (UpstreamError, ErrorType.UPSTREAM_ERROR),
    (ExecutionError, ErrorType.CONFIGURATION),
    (ConfigError, ErrorType.CONFIGURATION),
)
_TEXTUAL = re.compile(r"^(text/|application/(xml|x-www-form-urlencoded|javascript)|.*\+xml$)")
_CHARSET = re.compile(r"charset=\"?([\w.:-]+)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class _Response:
    status: int
    reason: str
    headers: httpx.Headers
    content: bytes
    truncated: bool


@dataclass(frozen=True, slots=True)
class _Call:
    """Everything one call needs besides the client: fixed once the config is known."""

    tool: Tool
    arguments: Mapping[str, Any]
    config: ExecutionConfig
    base: str
    rules: Sequence[HostRule]


class Executor:
    """
    Sends tool calls. ``config_for_spec`` is one :class:`ExecutionConfig`, or a function from a
    spec name to one. Pass ``client`` to share a connection pool (it is then not closed here);
    ``env`` replaces ``os.environ`` as the source of credentials.

    Example::

        async with Executor(ExecutionConfig(server_url="https://api.example.com")) as executor:
            result = await executor.call(get_pet, {"petId": 7})
        print(result.to_model_text())
    """

    def __init__(
        self,
        config_for_spec: Callable[[str], ExecutionConfig] | ExecutionConfig,
        *,
        client: httpx.AsyncClient | None = None,
        env: Mapping[str, str] | None = None,
        tokens: OAuth2TokenCache | None = None,
    ) -> None:
        self._config_for = config_for_spec
        self._client = client
        # Own clients, one per allow_private setting; see _client_for.
        self._clients: dict[bool, httpx.AsyncClient] = {}
        self._credentials = CredentialResolver(env=env, tokens=tokens)
        install_log_filter()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the HTTP clients this executor created (an injected client is left open)."""
        clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            await client.aclose()

    def _client_for(self, config: ExecutionConfig) -> httpx.AsyncClient:
        if self._client is not None:
            return self._client
        client = self._clients.get(config.allow_private)
        if client is None:
            # The guarded transport checks addresses again at connect time and pins plain HTTP to
            # the address it checked, so DNS rebinding between check and connect cannot slip through.
            transport = guarded_transport(FetchPolicy(allow_private=config.allow_private))
            # trust_env=False: a proxy from the environment would resolve hosts the guard never saw.
            client = httpx.AsyncClient(transport=transport, follow_redirects=False, trust_env=False)
            self._clients[config.allow_private] = client
        return client

    async def call(self, tool: Tool, arguments: Mapping[str, Any] | None) -> ToolResult:
        """Carry out one call of ``tool``; every failure comes back as a result with ``error`` set."""
        started = time.perf_counter()
        secrets: tuple[str, ...] = ()
        try:
            call = self._prepare(tool, arguments if arguments is not None else {})
            if isinstance(call, ToolResult):
                return call
            response, credentials = await self._exchange(call)
            secrets = credentials.secrets if credentials else ()
            result = _result(tool, response, secrets, _ms(started))
        except ToolsyncError as exc:
            result = _failure(exc, _ms(started), secrets)
        logger.info("tool %s: %s in %.0f ms", tool.name,
                    result.status if result.ok else (result.error or {}).get("type"), result.elapsed_ms)
        return result

    def _prepare(self, tool: Tool, arguments: Mapping[str, Any]) -> _Call | ToolResult:
        config = self._config(tool)
        problems = validate_arguments(tool, arguments, max_bytes=config.max_argument_bytes)
        if problems:
            return ToolResult.failure(
                ErrorType.INVALID_ARGUMENTS,
                "the arguments do not fit the tool's input schema: " + "; ".join(problems),
                problems=problems,
            )
        base = base_url(tool.operation, config, source=tool.spec_name)
        rules = allowed_hosts(tool.operation, config, token_urls(tool.operation, config, base))
        return _Call(tool, arguments, config, base, rules)

    def _config(self, tool: Tool) -> ExecutionConfig:
        if isinstance(self._config_for, ExecutionConfig):
            return self._config_for
        try:
            return self._config_for(tool.spec_name)
        except ToolsyncError:
            raise
        except Exception as exc:  # a caller's lookup failing must not escape as a bare exception
            raise ConfigError(f"no execution settings for spec {tool.spec_name!r}: {exc}") from exc

    async def _credentials_for(self, call: _Call) -> ResolvedCredentials | None:
        async def send(request: httpx.Request) -> httpx.Response:
            request.extensions["timeout"] = httpx.Timeout(call.config.timeout).as_dict()
            got = await self._send(request, call, None)
            return httpx.Response(got.status, headers=got.headers, content=got.content)

        credentials = await self._credentials.resolve(call.tool.operation, call.config, base=call.base, send=send)
        if credentials is not None:
            redactor.remember(credentials.secrets)
        return credentials

    async def _exchange(self, call: _Call) -> tuple[_Response, ResolvedCredentials | None]:
        credentials = await self._credentials_for(call)
        request = build_request(call.tool, call.arguments, call.config, credentials=credentials)
        idempotent = request.method in IDEMPOTENT_METHODS
        attempt, refreshed = 0, False
        while True:
            try:
                response = await self._send(request, call, credentials)
            except UpstreamError as exc:
                if not (idempotent and exc.details.get("retryable") and attempt < call.config.max_retries):
                    raise
                await asyncio.sleep(backoff(attempt))
                attempt += 1
                continue
            wait = _retry_wait(response, call.config) if idempotent else None
            if wait is not None and attempt < call.config.max_retries:
                await asyncio.sleep(wait)
                attempt += 1
                continue
            if response.status == 401 and credentials and credentials.oauth_tokens and not refreshed:
                for key in credentials.oauth_tokens:
                    self._credentials.tokens.invalidate(key)
                credentials = await self._credentials_for(call)
                request = build_request(call.tool, call.arguments, call.config, credentials=credentials)
                refreshed = True
                continue
            return response, credentials

    async def _send(self, request: httpx.Request, call: _Call, credentials: ResolvedCredentials | None) -> _Response:
        """One exchange: the guard on every hop, redirects followed by hand, the body read up to the cap."""
        for _hop in range(call.config.max_redirects + 1):
            await check_outbound(request.url, call.rules, allow_private=call.config.allow_private)
            logger.debug("tool %s: %s %s", call.tool.name, request.method, origin_text(request.url))
            with _transport_errors(request):
                response = await self._client_for(call.config).send(request, stream=True, follow_redirects=False)
                try:
                    if not response.is_redirect:
                        content, truncated = await _read_capped(response, call.config.max_response_bytes)
                        return _Response(response.status_code, response.reason_phrase, response.headers,
                                         content, truncated)
                    next_request = _redirected(request, response, credentials)
                finally:
                    await response.aclose()
            request = next_request
        raise UpstreamError(f"the API redirected more than {call.config.max_redirects} times",
                            source=origin_text(request.url))


def call_sync(
    tool: Tool,
    arguments: Mapping[str, Any] | None,
    config: Callable[[str], ExecutionConfig] | ExecutionConfig,
    *,
    env: Mapping[str, str] | None = None,
) -> ToolResult:
    """Blocking form of :meth:`Executor.call` for scripts and the CLI (not inside a running event loop)."""

    async def run() -> ToolResult:
        async with Executor(config, env=env) as executor:
            return await executor.call(tool, arguments)

    return asyncio.run(run())


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000


def _retry_wait(response: _Response, config: ExecutionConfig) -> float | None:
    """Seconds to wait before retrying, or None when the response should be returned as it is."""
    if response.status not in RETRY_STATUSES:
        return None
    asked = parse_retry_after(response.headers.get("retry-after"))
    if asked is None:
        return min(backoff(1), config.max_retry_wait)
    # A longer wait than allowed: hand the answer (with its Retry-After) back to the caller.
    return asked if asked <= config.max_retry_wait else None


@contextlib.contextmanager
def _transport_errors(request: httpx.Request) -> Iterator[None]:
    """Translate httpx transport failures into UpstreamError, in one place."""
    where = origin_text(request.url)
    try:
        yield
    except FetchBlockedError as exc:
        raise OutboundBlockedError(exc.message, source=where, details={"host": request.url.host}) from exc
    except httpx.ConnectTimeout as exc:
        raise UpstreamError("timed out connecting to the API", source=where,
                            details={"timeout": True, "retryable": True}) from exc
    except httpx.TimeoutException as exc:
        raise UpstreamError("the API did not answer in time", source=where, details={"timeout": True}) from exc
    except httpx.ConnectError as exc:
        raise UpstreamError(f"could not connect to the API ({exc})", source=where,
                            details={"retryable": True}) from exc
    except httpx.HTTPError as exc:
        raise UpstreamError(f"the connection to the API failed ({type(exc).__name__}: {exc})",
                            source=where) from exc


async def _read_capped(response: httpx.Response, cap: int) -> tuple[bytes, bool]:
    buffer = bytearray()
    async for chunk in response.aiter_bytes():
        room = cap - len(buffer)
        if len(chunk) > room:
            buffer += chunk[:room]
            return bytes(buffer), True
        buffer += chunk
    return bytes(buffer), False


def _redirected(
    request: httpx.Request, response: httpx.Response, credentials: ResolvedCredentials | None
) -> httpx.Request:
    """The next hop of a redirect; credentials are dropped when it leaves the origin."""
    url = request.url.join(response.headers["location"])
    method, content = request.method, request.content
    if (response.status_code == 303 and method != "HEAD") or (response.status_code in (301, 302)
                                                              and method == "POST"):
        method, content = "GET", b""
    headers = httpx.Headers(request.headers)
    for name in ("host", "content-length", *(() if content else ("content-type",))):
        headers.pop(name, None)
    if (url.scheme, url.host, url.port) != (request.url.scheme, request.url.host, request.url.port):
        for name in ("authorization", "cookie", *(credentials.headers if credentials else ())):
            headers.pop(name, None)
    return httpx.Request(method, url, headers=headers, content=content or None, extensions=request.extensions)


def _failure(exc: ToolsyncError, elapsed_ms: float, secrets: tuple[str, ...]) -> ToolResult:
    kind = next((t for cls, t in _ERROR_TYPES if isinstance(exc, cls)), ErrorType.UPSTREAM_ERROR)
    if exc.details.get("timeout"):
        kind = ErrorType.TIMEOUT
    extra = {k: v for k, v in exc.details.items() if k not in ("timeout", "retryable")}
    return ToolResult.failure(kind, redactor.redact(str(exc), secrets), elapsed_ms=elapsed_ms, **extra)


def _result(tool: Tool, response: _Response, secrets: tuple[str, ...], elapsed_ms: float) -> ToolResult:
    content_type = response.headers.get("content-type")
    body, text = _decode(response, content_type or "", secrets)
    common: dict[str, Any] = {"status": response.status, "content_type": content_type, "body": body,
                              "text": text, "elapsed_ms": elapsed_ms, "truncated": response.truncated}
    if response.status < 400:
        return ToolResult(ok=True, **common)
    error: dict[str, Any] = {
        "type": str(ErrorType.HTTP_ERROR), "status": response.status,
        "message": f"the API answered {response.status} {response.reason} to {tool.operation.key}",
    }
    retry_after = response.headers.get("retry-after")
    if retry_after:
        error["retry_after"] = retry_after
    return ToolResult(ok=False, error=error, **common)


def _decode(response: _Response, content_type: str, secrets: tuple[str, ...]) -> tuple[Any, str]:
    """``(body, text)``: parsed JSON or text for the caller, a compact bounded text for the model."""
    raw = response.content
    cut = f"…[truncated after {len(raw)} bytes]" if response.truncated else ""
    media = content_type.split(";", 1)[0].strip().lower()
    if raw and media and not (is_json_media(media) or _TEXTUAL.match(media)):
        summary = f"[{len(raw)} bytes of {media}{', truncated' if response.truncated else ''}]"
        return base64.b64encode(raw).decode(), summary
    text = redactor.redact(raw.decode(_charset(content_type), errors="replace"), secrets)
    if response.truncated:
        return text.rstrip("\ufffd"), text.rstrip("\ufffd") + cut
    if is_json_media(media) or (not media and text[:1] in ("{", "[")):
        try:
            body = orjson.loads(text)
        except orjson.JSONDecodeError:
            return text, text
        return body, orjson.dumps(body).decode()
    return (text if text else None), text


def _charset(content_type: str) -> str:
    match = _CHARSET.search(content_type)
    if match:
        with contextlib.suppress(LookupError):
            return codecs.lookup(match.group(1)).name
    return "utf-8"
