"""
Prometheus metrics in the text exposition format (version 0.0.4), written by hand.

Counters and the histogram live here; gauges that describe the registry (tools per spec, the
snapshot version, held changes) are read from it at scrape time, so they are never stale.
"""

from __future__ import annotations

import bisect
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..registry import Registry
    from ..reload import ReloadOutcome

__all__ = ["CONTENT_TYPE", "Metrics"]

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
# Reload durations: a small spec reloads in milliseconds, a huge one in seconds.
_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
Labels = tuple[tuple[str, str], ...]


@dataclass
class _Histogram:
    buckets: tuple[float, ...]
    counts: list[int] = field(default_factory=list)
    total: float = 0.0
    count: int = 0

    def __post_init__(self) -> None:
        self.counts = [0] * len(self.buckets)

    def observe(self, value: float) -> None:
        index = bisect.bisect_left(self.buckets, value)
        if index < len(self.counts):
            self.counts[index] += 1
        self.total += value
        self.count += 1


class Metrics:
    """Thread-safe counters fed by the server; :meth:`render` gives the exposition text."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._reloads: dict[Labels, int] = {}
        self._failures: dict[Labels, int] = {}
        self._requests: dict[Labels, int] = {}
        self._webhooks: dict[Labels, int] = {}
        self._latency = _Histogram(_BUCKETS)
        self._sse_clients = 0

    def reload(self, outcome: ReloadOutcome) -> None:
        """Count one reload outcome and, when it did work, its duration."""
        with self._lock:
            _inc(self._reloads, (("outcome", str(outcome.kind)), ("trigger", str(outcome.trigger))))
            if outcome.duration > 0:
                self._latency.observe(outcome.duration)

    def failure(self, spec: str | None) -> None:
        """Count one failed load or reload of ``spec``."""
        with self._lock:
            _inc(self._failures, (("spec", spec or ""),))

    def request(self, route: str, method: str, status: int) -> None:
        with self._lock:
            _inc(self._requests, (("route", route), ("method", method), ("status", str(status))))

    def webhook(self, result: str) -> None:
        with self._lock:
            _inc(self._webhooks, (("result", result),))

    def sse_opened(self) -> None:
        with self._lock:
            self._sse_clients += 1

    def sse_closed(self) -> None:
        with self._lock:
            self._sse_clients -= 1

    @property
    def sse_clients(self) -> int:
        return self._sse_clients

    def render(self, registry: Registry | None = None) -> str:
        """The exposition text, registry gauges included when ``registry`` is given."""
        with self._lock:
            lines = [
                *_family("toolsync_reloads_total", "counter", "Reloads by outcome and trigger.", self._reloads),
                *_family("toolsync_reload_failures_total", "counter", "Failed loads and reloads by spec.",
                         self._failures),
                *self._histogram_lines(),
                *_family("toolsync_http_requests_total", "counter", "HTTP requests by route, method and "
                         "status.", self._requests),
                *_family("toolsync_webhook_deliveries_total", "counter", "Reload webhook deliveries by result.",
                         self._webhooks),
                *_family("toolsync_sse_clients", "gauge", "Connected Server-Sent Events clients.",
                         {(): self._sse_clients}),
            ]
        if registry is not None:
            lines.extend(_registry_lines(registry))
        return "\n".join(lines) + "\n"

    def _histogram_lines(self) -> list[str]:
        name, hist = "toolsync_reload_duration_seconds", self._latency
        lines = [f"# HELP {name} Seconds from a reload's first run to its outcome.", f"# TYPE {name} histogram"]
        running = 0
        for bound, count in zip(hist.buckets, hist.counts, strict=True):
            running += count
            lines.append(f'{name}_bucket{{le="{_number(bound)}"}} {running}')
        lines.append(f'{name}_bucket{{le="+Inf"}} {hist.count}')
        lines.append(f"{name}_sum {_number(hist.total)}")
        lines.append(f"{name}_count {hist.count}")
        return lines


def _registry_lines(registry: Registry) -> list[str]:
    snapshot = registry.snapshot
    tools: dict[Labels, float] = {(("spec", n),): len(e.tools) for n, e in snapshot.specs.items()}
    up: dict[Labels, float] = {(("spec", n),): int(str(e.status) == "ok") for n, e in snapshot.specs.items()}
    return [
        *_family("toolsync_snapshot_version", "gauge", "Version of the snapshot being served.",
                 {(): snapshot.version}),
        *_family("toolsync_tools", "gauge", "Tools served, by spec.", tools),
        *_family("toolsync_spec_ok", "gauge", "1 when the spec's last load succeeded, else 0.", up),
        *_family("toolsync_held_changes", "gauge", "Breaking changes waiting for approval.",
                 {(): len(registry.held())}),
    ]


def _inc(counter: dict[Labels, int], labels: Labels) -> None:
    counter[labels] = counter.get(labels, 0) + 1


def _family(name: str, kind: str, help_text: str, samples: Mapping[Labels, float]) -> Iterable[str]:
    yield f"# HELP {name} {help_text}"
    yield f"# TYPE {name} {kind}"
    for labels, value in sorted(samples.items()):
        yield f"{name}{_labels(labels)} {_number(value)}"


def _labels(labels: Labels) -> str:
    if not labels:
        return ""
    return "{" + ",".join(f'{key}="{_escape(value)}"' for key, value in labels) + "}"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _number(value: float) -> str:
    if isinstance(value, int) or float(value).is_integer():
        return str(int(value))
    return repr(float(value))
