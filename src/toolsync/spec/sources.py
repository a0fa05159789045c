"""
Reading a spec's bytes: from a file, from a URL, or every spec in a folder.

Every reader enforces :class:`~toolsync.limits.Limits` before it holds the bytes (a file's size
is checked before it is read, a download is cut off as soon as it passes the cap) and returns a
:class:`SourceBytes` with a sha256 fingerprint, so that callers can tell whether anything changed.
URLs go through the fetch guard (:mod:`toolsync.netguard`) on every redirect hop.

Example::

    payload = read_file("specs/petstore.yaml", limits=Limits())
    fetched = fetch_url("https://api.example.com/openapi.json", policy=FetchPolicy(), limits=Limits(),
                        etag=payload_before.etag)
    if isinstance(fetched, NotModified): ...
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import hashlib
import os
import re
import stat
import threading
import time
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeVar

import httpx

from ..errors import FetchBlockedError, LimitError, SourceError, ToolsyncError
from ..limits import FetchPolicy, Limits
from ..netguard import check_url, guarded_transport
from .parse import parse_value

__all__ = [
    "SPEC_SUFFIXES",
    "Discovery",
    "NotModified",
    "SourceBytes",
    "afetch_url",
    "discover",
    "discover_report",
    "fetch_url",
    "fingerprint",
    "media_type_for",
    "read_file",
]

SPEC_SUFFIXES: tuple[str, ...] = (".json", ".yaml", ".yml")
_MEDIA_TYPES = {".json": "application/json", ".yaml": "application/yaml", ".yml": "application/yaml"}
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_SNIFF_BYTES = 64 * 1024
_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class SourceBytes:
    """The raw bytes of one spec document and what identifies this version of them."""

    data: bytes
    location: str  # absolute path, or the final URL after redirects
    fingerprint: str  # sha256 hex of data
    etag: str | None = None
    last_modified: str | None = None
    mtime_ns: int | None = None
    size: int = 0
    media_type: str | None = None  # from Content-Type, else from the file extension


@dataclass(frozen=True, slots=True)
class NotModified:
    """A conditional GET answered 304: the copy the caller holds is current."""

    location: str
    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True, slots=True)
class Discovery:
    """What :func:`discover_report` found in a folder: the specs, and the files it passed over and why."""

    specs: tuple[Path, ...]
    ignored: tuple[tuple[Path, str], ...] = ()


def fingerprint(data: bytes) -> str:
    """The sha256 hex digest used as a content fingerprint everywhere in toolsync."""
    return hashlib.sha256(data).hexdigest()


# Below this size a thread costs more than the hash it would take off the caller's thread.
_ASIDE_BYTES = 1 << 20


def fingerprint_aside(data: bytes) -> Callable[[], str]:
    """
    :func:`fingerprint` of ``data``, computed on another thread; call the result to wait for it.

    hashlib lets go of the GIL while it hashes, so a caller that parses the bytes meanwhile gets the
    fingerprint of a large spec (milliseconds per 10 MB) for free on a second core.
    """
    if len(data) < _ASIDE_BYTES:
        value = fingerprint(data)
        return lambda: value
    found: list[str] = []
    worker = threading.Thread(target=lambda: found.append(fingerprint(data)), name="toolsync-fingerprint",
                              daemon=True)
    worker.start()

    def wait() -> str:
        worker.join()
        return found[0] if found else fingerprint(data)  # the worker failed (memory): hash here

    return wait


def media_type_for(location: str) -> str | None:
    """The media type a path or URL's extension implies (JSON or YAML), else None."""
    path = location.split("?", 1)[0].split("#", 1)[0].lower()
    return next((mt for suffix, mt in _MEDIA_TYPES.items() if path.endswith(suffix)), None)


# --------------------------------------------------------------------------------------------- files


def read_file(path: str | os.PathLike[str], *, limits: Limits, root: Path | None = None) -> SourceBytes:
    """
    Read one spec file, refusing anything but a regular file within ``limits.max_bytes``.

    Args:
        path: the file; symbolic links are followed.
        root: when given, the file (after following symbolic links) must lie inside this folder.

    Raises:
        SourceError: missing, unreadable, or not a regular file (folder, FIFO, device).
        FetchBlockedError: the file lies outside ``root``.
        LimitError: larger than ``limits.max_bytes``.
    """
    payload = read_file_unhashed(path, limits=limits, root=root)
    return replace(payload, fingerprint=fingerprint(payload.data))


def read_file_unhashed(path: str | os.PathLike[str], *, limits: Limits, root: Path | None = None) -> SourceBytes:
    """
    :func:`read_file` with ``fingerprint`` left empty: for the loader, which hashes the bytes aside while it
    parses them (:func:`fingerprint_aside`) and never lets this payload out. Not public for that reason.
    """
    shown = os.path.abspath(path)
    real = _resolve_existing(Path(path), shown)
    if root is not None and not real.is_relative_to(_resolve_existing(Path(root), str(root))):
        raise FetchBlockedError(f"the file lies outside the folder {root} it may be read from",
                                source=shown, details={"reason": "outside_root", "root": str(root)})
    data, st = _read_regular(real, shown, limits)
    return SourceBytes(data=data, location=shown, fingerprint="", mtime_ns=st.st_mtime_ns,
                       size=len(data), media_type=media_type_for(shown))


def _resolve_existing(path: Path, shown: str) -> Path:
    try:
        return path.resolve(strict=True)
    except FileNotFoundError as exc:
        raise SourceError("no such file or folder", source=shown) from exc
    except (OSError, RuntimeError, ValueError) as exc:  # a symbolic link loop; a NUL in the path
        raise SourceError(f"cannot open: {exc}", source=shown) from exc


def _read_regular(real: Path, shown: str, limits: Limits) -> tuple[bytes, os.stat_result]:
    # O_NONBLOCK: opening a FIFO must not wait for a writer; O_NOFOLLOW: the path was resolved already.
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(real, flags)
    except OSError as exc:
        raise SourceError(f"cannot open: {exc.strerror or exc}", source=shown) from exc
    try:
        st = os.fstat(fd)
        _check_regular(st, shown, limits)
    except BaseException:
        os.close(fd)
        raise
    with open(fd, "rb", closefd=True) as fh:
        try:
            # Sized by fstat: a read of max_bytes allocates (and first touches) that much, ~8 ms per 64 MB.
            data = fh.read(min(st.st_size, limits.max_bytes) + 1)
            if len(data) > st.st_size:  # grown since fstat, or a file that reports no size: read on to the cap
                data += fh.read(limits.max_bytes + 1 - len(data))
        except OSError as exc:
            raise SourceError(f"cannot read: {exc.strerror or exc}", source=shown) from exc
    if len(data) > limits.max_bytes:
        raise _too_large(shown, limits)
    return data, st


def _check_regular(st: os.stat_result, shown: str, limits: Limits) -> None:
    if stat.S_ISDIR(st.st_mode):
        raise SourceError("is a folder, not a file; load it with load_many or name a file in it", source=shown)
    if not stat.S_ISREG(st.st_mode):
        raise SourceError("is not a regular file (a FIFO, socket or device); specs are read from files only",
                          source=shown)
    if st.st_size > limits.max_bytes:
        raise _too_large(shown, limits, st.st_size)


def _too_large(shown: str, limits: Limits, size: int | None = None) -> LimitError:
    told = f" ({size:,} bytes)" if size is not None else ""
    return LimitError(f"the spec is larger{told} than the limit of {limits.max_bytes:,} bytes; "
                      "raise limits.max_bytes if it is trusted", source=shown,
                      details={"limit": "max_bytes", "max_bytes": limits.max_bytes})


# --------------------------------------------------------------------------------------------- URLs


def fetch_url(
    url: str,
    *,
    policy: FetchPolicy,
    limits: Limits,
    etag: str | None = None,
    last_modified: str | None = None,
    client: httpx.Client | None = None,
) -> SourceBytes | NotModified:
    """
    Download a spec, following at most ``policy.max_redirects`` redirects, each checked by the guard.

    ``etag``/``last_modified`` from an earlier :class:`SourceBytes` make the request conditional;
    a 304 answer returns :class:`NotModified`. Without ``client`` the whole download, headers
    included, must finish within ``policy.timeout`` seconds (a server that trickles bytes is cut off);
    with one, each read is bounded by the client's timeouts and the body by ``policy.timeout``.

    Raises:
        FetchBlockedError: the URL or a redirect target is refused by the fetch guard.
        LimitError: the answer is larger than ``limits.max_bytes``.
        SourceError: timeout, connection failure, too many redirects, or an HTTP error status.
    """
    if client is None:
        return _run_sync(afetch_url(url, policy=policy, limits=limits, etag=etag, last_modified=last_modified))
    with _mapped_errors(url, policy):
        return _fetch_with(client, url, policy, limits, _Conditional(etag, last_modified))


async def afetch_url(
    url: str,
    *,
    policy: FetchPolicy,
    limits: Limits,
    etag: str | None = None,
    last_modified: str | None = None,
    client: httpx.AsyncClient | None = None,
) -> SourceBytes | NotModified:
    """The asyncio twin of :func:`fetch_url`; the whole download is bounded by ``policy.timeout``."""
    conditional = _Conditional(etag, last_modified)
    with _mapped_errors(url, policy):
        async with asyncio.timeout(policy.timeout):
            if client is not None:
                return await _afetch_with(client, url, policy, limits, conditional, own=False)
            async with _async_client(policy) as own:
                return await _afetch_with(own, url, policy, limits, conditional, own=True)


@dataclass(frozen=True, slots=True)
class _Conditional:
    etag: str | None
    last_modified: str | None


def _run_sync(coro: Coroutine[Any, Any, _T]) -> _T:
    """Run a coroutine to completion from synchronous code, even when this thread runs an event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


def _client_options(policy: FetchPolicy) -> dict[str, Any]:
    # trust_env=False: a proxy from the environment would replace the guarded transport.
    return {"timeout": httpx.Timeout(policy.timeout), "follow_redirects": False, "trust_env": False,
            "headers": {"User-Agent": policy.user_agent}}


def _async_client(policy: FetchPolicy) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=guarded_transport(policy), **_client_options(policy))


def _headers(url: str, origin: httpx.URL, policy: FetchPolicy, conditional: _Conditional) -> dict[str, str]:
    target = httpx.URL(url)
    headers = {"Accept": "application/json, application/yaml;q=0.9, text/yaml;q=0.9, */*;q=0.5"}
    # Extra headers may carry credentials for the spec's host: never hand them to another origin.
    if (target.scheme, target.host, target.port) == (origin.scheme, origin.host, origin.port):
        headers.update(policy.extra_headers)
    if conditional.etag:
        headers["If-None-Match"] = conditional.etag
    if conditional.last_modified:
        headers["If-Modified-Since"] = conditional.last_modified
    return headers


def _fetch_with(client: httpx.Client, url: str, policy: FetchPolicy, limits: Limits,
                conditional: _Conditional) -> SourceBytes | NotModified:
    deadline = time.monotonic() + policy.timeout
    origin, current = httpx.URL(url), url
    for _ in range(policy.max_redirects + 1):
        check_url(current, policy)
        request = client.build_request("GET", current, headers=_headers(current, origin, policy, conditional))
        with contextlib.closing(client.send(request, stream=True, follow_redirects=False)) as response:
            following = _redirect_target(response, current)
            if following is None:
                return _finish(response, current, _read_body(response, current, limits, deadline, policy),
                               conditional)
        current = following
    raise _too_many_redirects(url, policy)


async def _afetch_with(client: httpx.AsyncClient, url: str, policy: FetchPolicy, limits: Limits,
                       conditional: _Conditional, *, own: bool) -> SourceBytes | NotModified:
    origin, current = httpx.URL(url), url
    for _ in range(policy.max_redirects + 1):
        # The guarded transport resolves and checks every hop; a caller's client needs it done here.
        if own:
            check_url(current, policy, resolve=False)
        else:
            await asyncio.to_thread(check_url, current, policy)
        request = client.build_request("GET", current, headers=_headers(current, origin, policy, conditional))
        response = await client.send(request, stream=True, follow_redirects=False)
        try:
            following = _redirect_target(response, current)
            if following is None:
                data = await _acapped(response, current, limits)
                return _finish(response, current, data, conditional)
        finally:
            await response.aclose()
        current = following
    raise _too_many_redirects(url, policy)


def _redirect_target(response: httpx.Response, current: str) -> str | None:
    if response.status_code not in _REDIRECTS:
        return None
    location = response.headers.get("Location")
    if not location:
        raise SourceError(f"HTTP {response.status_code} redirect without a Location header", source=current)
    try:
        return str(response.request.url.join(location))
    except httpx.InvalidURL as exc:
        raise SourceError(f"redirect to an invalid URL {location!r}", source=current) from exc


def _check_length(response: httpx.Response, url: str, limits: Limits) -> None:
    claimed = response.headers.get("Content-Length", "")
    if claimed.isdigit() and int(claimed) > limits.max_bytes:
        raise LimitError(f"the server announces {int(claimed):,} bytes, more than the limit of "
                         f"{limits.max_bytes:,}; raise limits.max_bytes if it is trusted", source=url,
                         details={"limit": "max_bytes", "max_bytes": limits.max_bytes})


def _read_body(response: httpx.Response, url: str, limits: Limits, deadline: float,
               policy: FetchPolicy) -> bytes:
    if not response.is_success:
        return b""
    _check_length(response, url, limits)
    parts: list[bytes] = []
    total = 0
    for chunk in response.iter_bytes():
        total += len(chunk)
        if total > limits.max_bytes:
            raise _too_large(url, limits)
        if time.monotonic() > deadline:
            raise TimeoutError
        parts.append(chunk)
    return b"".join(parts)


async def _acapped(response: httpx.Response, url: str, limits: Limits) -> bytes:
    if not response.is_success:
        return b""
    _check_length(response, url, limits)
    parts: list[bytes] = []
    total = 0
    async for chunk in response.aiter_bytes():
        total += len(chunk)
        if total > limits.max_bytes:
            raise _too_large(url, limits)
        parts.append(chunk)
    return b"".join(parts)


def _finish(response: httpx.Response, url: str, data: bytes,
            conditional: _Conditional) -> SourceBytes | NotModified:
    etag = response.headers.get("ETag")
    modified = response.headers.get("Last-Modified")
    if response.status_code == 304:
        return NotModified(location=url, etag=etag or conditional.etag,
                           last_modified=modified or conditional.last_modified)
    if not response.is_success:
        raise SourceError(f"the server answered HTTP {response.status_code} {response.reason_phrase}".rstrip(),
                          source=url, details={"status": response.status_code})
    content_type = response.headers.get("Content-Type", "").split(";", 1)[0].strip().lower()
    return SourceBytes(data=data, location=url, fingerprint=fingerprint(data), etag=etag, last_modified=modified,
                       size=len(data), media_type=content_type or media_type_for(url))


def _too_many_redirects(url: str, policy: FetchPolicy) -> SourceError:
    return SourceError(f"more than {policy.max_redirects} redirects; raise max_redirects or use the final URL",
                       source=url, details={"reason": "redirects"})


@contextlib.contextmanager
def _mapped_errors(url: str, policy: FetchPolicy) -> Iterator[None]:
    """Translate httpx and timeout failures into :class:`SourceError` in one place."""
    try:
        yield
    except ToolsyncError:
        raise
    except (TimeoutError, httpx.TimeoutException) as exc:
        raise SourceError(f"no complete answer within {policy.timeout:g} s", source=url,
                          details={"reason": "timeout"}) from exc
    except (httpx.HTTPError, httpx.InvalidURL, httpx.StreamError) as exc:
        raise SourceError(f"cannot fetch: {exc or type(exc).__name__}", source=url,
                          details={"reason": "transport"}) from exc


# --------------------------------------------------------------------------------------------- folders

# Editor and tool droppings: emacs locks (.#x) and autosaves (#x#), backups (x~), vim swap files.
_EDITOR_NAME = re.compile(r"^(?:\.#.*|#.*#|.*~|.*\.sw[a-p]|.*\.(?:bak|tmp|orig|part|crdownload))$", re.IGNORECASE)
_YAML_TOP_KEY = re.compile(rb"""^["']?(?:openapi|swagger)["']?[ \t]*:""", re.MULTILINE)
# In JSON the key's nesting is not visible from a regex; a spec almost always opens with it.
_JSON_TOP_KEY = re.compile(rb"""^\{\s*"(?:openapi|swagger)"\s*:""")


def discover(folder: str | os.PathLike[str], *, limits: Limits) -> list[Path]:
    """Every OpenAPI or Swagger document under ``folder`` (recursively), sorted; see :func:`discover_report`."""
    return list(discover_report(folder, limits=limits).specs)


def discover_report(folder: str | os.PathLike[str], *, limits: Limits) -> Discovery:
    """
    Find the spec files in a folder tree and say why every other JSON/YAML file was passed over.

    Hidden files and folders, editor lock/backup/swap files and files of other extensions are
    skipped without a word; dangling symbolic links, links that leave the folder, files over the
    size limit and JSON/YAML files that are not OpenAPI or Swagger documents are reported in
    :attr:`Discovery.ignored`.

    Raises:
        SourceError: ``folder`` is missing or not a folder.
    """
    root = _resolve_existing(Path(folder), os.path.abspath(folder))
    if not root.is_dir():
        raise SourceError("is not a folder", source=os.path.abspath(folder))
    specs: list[Path] = []
    ignored: list[tuple[Path, str]] = []
    for path in _candidates(Path(folder)):
        reason = _why_not_spec(path, root, limits)
        if reason is None:
            specs.append(path)
        else:
            ignored.append((path, reason))
    return Discovery(specs=tuple(sorted(specs)), ignored=tuple(sorted(ignored)))


def _candidates(folder: Path) -> Iterator[Path]:
    def raise_error(exc: OSError) -> None:
        raise SourceError(f"cannot list the folder: {exc.strerror or exc}", source=exc.filename or str(folder))

    for dirpath, dirnames, filenames in os.walk(folder, onerror=raise_error, followlinks=False):
        # Pruning in place keeps os.walk out of hidden folders (.git, .venv, editor state).
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if name.startswith(".") or _EDITOR_NAME.match(name):
                continue
            if name.lower().endswith(SPEC_SUFFIXES):
                yield Path(dirpath, name)


def _why_not_spec(path: Path, root: Path, limits: Limits) -> str | None:
    """None when ``path`` is a spec; otherwise the reason it is passed over."""
    try:
        real = path.resolve(strict=True)
    except (OSError, RuntimeError):
        return "dangling or looping symbolic link" if path.is_symlink() else "cannot be opened"
    if not real.is_relative_to(root):
        return "symbolic link that leads outside the folder"
    try:
        data, _ = _read_regular(real, str(path), limits)
    except ToolsyncError as exc:
        return exc.message
    return _sniff(data, str(path), limits)


def _sniff(data: bytes, source: str, limits: Limits) -> str | None:
    head = data[:_SNIFF_BYTES].lstrip(b"\xef\xbb\xbf \t\r\n")
    flow = head.startswith((b"{", b"["))
    if (_JSON_TOP_KEY if flow else _YAML_TOP_KEY).search(head):
        return None
    if len(data) <= _SNIFF_BYTES and not flow:
        return "not an OpenAPI or Swagger document (no top-level openapi or swagger key)"
    # The head was not conclusive (a key may come late in JSON or a large YAML file): parse to be sure.
    try:
        document = parse_value(data, source=source, limits=limits)
    except ToolsyncError as exc:
        return f"not readable as JSON or YAML: {exc.message}"
    if isinstance(document, dict) and ("openapi" in document or "swagger" in document):
        return None
    if isinstance(document, dict) and "swaggerVersion" in document:
        return "a Swagger 1.x document, which toolsync does not read; convert it to OpenAPI 3"
    return "not an OpenAPI or Swagger document (no top-level openapi or swagger key)"
