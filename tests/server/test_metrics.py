"""``GET /metrics``: the Prometheus text format, written by hand, with the counters the server keeps."""

from __future__ import annotations

import re
from pathlib import Path

from toolsync.registry import Trigger
from toolsync.reload import OutcomeKind, ReloadOutcome
from toolsync.server import Metrics

from .conftest import spec_doc, wait_for, write_spec

_SAMPLE = re.compile(r'^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\.)*",?)*\})? '
                     r'(-?[0-9]+(\.[0-9]+)?(e[+-]?[0-9]+)?|\+Inf|NaN)$')


def _samples(text: str) -> dict[str, float]:
    out = {}
    for line in text.splitlines():
        if line.startswith("#"):
            assert re.match(r"^# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .+$", line), line
            continue
        assert _SAMPLE.match(line), line
        name, value = line.rsplit(" ", 1)
        out[name] = float(value)
    return out


def test_metrics_after_requests_and_reloads(serve, spec_dir: Path) -> None:
    """Reloads by outcome, failures, tools per spec, the version, latency and requests by route are exposed."""
    items = spec_dir / "items.json"
    write_spec(items, spec_doc(["listItems", "getItem"], title="Items"))
    running = serve({"specs": [str(items)]})
    for _ in range(3):
        running.client.get("/tools")
    running.client.get("/tools/missing")
    running.client.get("/no/such/route")
    items.write_text("{broken")
    wait_for(lambda: running.registry.failures, what="the failed reload")
    answer = running.client.get("/metrics")
    assert answer.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8"
    samples = _samples(answer.text)
    assert samples['toolsync_http_requests_total{route="/tools",method="GET",status="200"}'] == 3
    assert samples['toolsync_http_requests_total{route="/tools/{name}",method="GET",status="404"}'] == 1
    assert samples['toolsync_http_requests_total{route="unmatched",method="GET",status="404"}'] == 1
    assert samples['toolsync_reloads_total{outcome="applied",trigger="startup"}'] == 1
    assert samples['toolsync_reloads_total{outcome="failed",trigger="file"}'] == 1
    assert samples['toolsync_reload_failures_total{spec="items"}'] == 1
    assert samples['toolsync_tools{spec="items"}'] == 2 and samples['toolsync_spec_ok{spec="items"}'] == 0
    assert samples["toolsync_snapshot_version"] == 1 and samples["toolsync_held_changes"] == 0
    assert samples["toolsync_reload_duration_seconds_count"] == 2
    assert samples['toolsync_reload_duration_seconds_bucket{le="+Inf"}'] == 2
    assert samples["toolsync_sse_clients"] == 0


def test_histogram_buckets_are_cumulative_and_labels_escaped() -> None:
    """Bucket counts never decrease; quotes, backslashes and newlines in labels are escaped."""
    metrics = Metrics()
    for duration in (0.001, 0.02, 0.02, 3.0, 100.0):
        metrics.reload(ReloadOutcome(OutcomeKind.APPLIED, "k", Trigger.FILE, duration=duration))
    metrics.failure('we"ird\\spec\nname')
    text = metrics.render()
    samples = _samples(text)
    buckets = [v for k, v in samples.items() if k.startswith("toolsync_reload_duration_seconds_bucket")]
    assert buckets == sorted(buckets) and buckets[-1] == 5 and buckets[0] == 1
    assert samples['toolsync_reload_duration_seconds_bucket{le="0.025"}'] == 3
    assert samples["toolsync_reload_duration_seconds_sum"] == 103.041
    assert 'toolsync_reload_failures_total{spec="we\\"ird\\\\spec\\nname"} 1' in text
