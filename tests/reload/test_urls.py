"""Spec URLs: conditional polling, the hash path, errors with backoff, the fetch guard."""

from __future__ import annotations

import asyncio
import random
from dataclasses import replace

from toolsync.config import FetchPolicy, SpecConfig
from toolsync.registry import Registry
from toolsync.reload import Backoff, OutcomeKind, ReloadOutcome, Watcher

from .helpers import FAST, SpecServer, eventually, spec_yaml, tools_of

V1 = ["listPets", "getPet"]
V2 = ["listPets", "getPet", "searchPets"]
LOCAL = FetchPolicy(allow_private=True)
URL_FAST = replace(FAST, backoff=Backoff(base=0.0, cap=0.2))


def watch_url(registry: Registry, server: SpecServer, outcomes: list[ReloadOutcome], interval: float = 0.05
              ) -> Watcher:
    config = SpecConfig(source=server.url, fetch=LOCAL, poll_interval=interval)
    return Watcher(registry, [config], settings=URL_FAST, on_outcome=outcomes.append)


async def test_500_then_304_then_new_version(spec_server: SpecServer) -> None:
    """A URL that fails, then says 304, then serves a new version ends on the new version."""
    spec_server.serve(spec_yaml(V1))
    registry, outcomes = Registry(), []
    async with watch_url(registry, spec_server, outcomes):
        assert tools_of(registry, "petstore") == set(V1)
        spec_server.script = [500, 304]
        await eventually(lambda: not spec_server.script, what="the scripted answers")
        assert tools_of(registry, "petstore") == set(V1)
        spec_server.serve(spec_yaml(V2))
        await eventually(lambda: tools_of(registry, "petstore") == set(V2), what="the new version")
    kinds = [o.kind for o in outcomes if str(o.trigger) == "url"]
    assert kinds == [OutcomeKind.FAILED, OutcomeKind.APPLIED]
    failed = next(o for o in outcomes if o.kind is OutcomeKind.FAILED)
    assert "500" in str(failed.error) and spec_server.url in str(failed.error)


async def test_etag_makes_polls_conditional(spec_server: SpecServer) -> None:
    """Polls send the ETag of the registered version; 304 answers load nothing."""
    spec_server.serve(spec_yaml(V1))
    registry, outcomes = Registry(), []
    async with watch_url(registry, spec_server, outcomes):
        version = registry.snapshot.version
        await eventually(lambda: len(spec_server.requests) >= 4, what="a few polls")
    assert all(r.get("If-None-Match", "").startswith('"') for r in spec_server.requests[1:])
    assert registry.snapshot.version == version
    assert [str(o.trigger) for o in outcomes] == ["startup"]


async def test_last_modified_makes_polls_conditional(spec_server: SpecServer) -> None:
    """Without an ETag, polls send If-Modified-Since with the registered version's Last-Modified."""
    spec_server.validators = "last-modified"
    spec_server.serve(spec_yaml(V1))
    registry, outcomes = Registry(), []
    async with watch_url(registry, spec_server, outcomes):
        await eventually(lambda: len(spec_server.requests) >= 3, what="a few polls")
        spec_server.serve(spec_yaml(V2))
        await eventually(lambda: tools_of(registry, "petstore") == set(V2), what="the new version")
    assert all(r.get("If-Modified-Since") for r in spec_server.requests[1:])


async def test_hash_decides_without_validators(spec_server: SpecServer) -> None:
    """A server without ETag or Last-Modified is polled in full; the same bytes load nothing, new bytes do."""
    spec_server.validators = "none"
    spec_server.serve(spec_yaml(V1))
    registry, outcomes = Registry(), []
    async with watch_url(registry, spec_server, outcomes):
        version = registry.snapshot.version
        await eventually(lambda: len(spec_server.requests) >= 4, what="a few polls")
        assert registry.snapshot.version == version
        assert [str(o.trigger) for o in outcomes] == ["startup"]
        spec_server.serve(spec_yaml(V2))
        await eventually(lambda: tools_of(registry, "petstore") == set(V2), what="the new version")
    assert not any("If-None-Match" in r or "If-Modified-Since" in r for r in spec_server.requests)


async def test_garbage_is_reported_once_and_last_good_kept(spec_server: SpecServer) -> None:
    """A URL serving garbage fails once, keeps the last good tools, and recovers when fixed."""
    spec_server.serve(spec_yaml(V1))
    registry, outcomes = Registry(), []
    async with watch_url(registry, spec_server, outcomes):
        spec_server.serve("<html>maintenance</html>")
        await eventually(lambda: any(o.kind is OutcomeKind.FAILED for o in outcomes), what="the failure")
        polls = len(spec_server.requests)
        await eventually(lambda: len(spec_server.requests) >= polls + 3, what="more polls")
        assert [o.kind for o in outcomes].count(OutcomeKind.FAILED) == 1
        assert tools_of(registry, "petstore") == set(V1)
        spec_server.serve(spec_yaml(V2))
        await eventually(lambda: tools_of(registry, "petstore") == set(V2), what="recovery")


async def test_outage_backs_off_and_is_reported_once(spec_server: SpecServer) -> None:
    """While a URL keeps failing the poller backs off, reports the outage once, and recovers after."""
    spec_server.serve(spec_yaml(V1))
    registry, outcomes = Registry(), []
    async with watch_url(registry, spec_server, outcomes) as w:
        spec_server.script = [500] * 6
        await eventually(lambda: not spec_server.script, what="six failed polls")
        target = w._urls[spec_server.url]
        assert target.failures >= 5
        assert [o.kind for o in outcomes if str(o.trigger) == "url"] == [OutcomeKind.FAILED]
        await eventually(lambda: target.failures == 0, what="recovery")
    assert tools_of(registry, "petstore") == set(V1)


def test_backoff_grows_with_full_jitter_and_is_capped() -> None:
    """Each delay is uniform below a ceiling that doubles per failure up to the cap."""
    backoff = Backoff(base=1.0, cap=30.0)
    assert [backoff.ceiling(n) for n in range(7)] == [1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0]
    assert backoff.ceiling(10_000) == 30.0
    rng = random.Random(7)
    delays = [backoff.delay(4, rng) for _ in range(500)]
    assert all(0.0 <= d <= 16.0 for d in delays)
    assert min(delays) < 2.0 and max(delays) > 14.0  # spread over the whole range, not clustered


async def test_private_url_is_refused_without_permission(spec_server: SpecServer) -> None:
    """The fetch guard applies: a loopback URL fails to load unless private addresses are allowed."""
    spec_server.serve(spec_yaml(V1))
    registry, outcomes = Registry(), []
    async with Watcher(registry, [spec_server.url], settings=URL_FAST, on_outcome=outcomes.append):
        await asyncio.sleep(0)
    assert [o.kind for o in outcomes] == [OutcomeKind.FAILED]
    assert "FetchBlockedError" in outcomes[0].error.to_dict()["error"]
    assert spec_server.requests == []
