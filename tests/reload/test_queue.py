"""The reload queue: debounce, coalescing, per-key serialization, retries, shutdown."""

from __future__ import annotations

import asyncio
import threading
import time

from toolsync.reload.outcome import OutcomeKind, ReloadOutcome
from toolsync.reload.queue import ReloadQueue, ReloadRequest, Retry


class Recorder:
    """A handler that records each request and answers with a scripted result."""

    def __init__(self, script=None, pause: float = 0.0) -> None:
        self.requests: list[ReloadRequest] = []
        self.script = list(script or [])
        self.pause = pause
        self.running: dict[str, int] = {}
        self.max_running: dict[str, int] = {}
        self.lock = threading.Lock()

    def __call__(self, request: ReloadRequest):
        with self.lock:
            self.requests.append(request)
            now = self.running[request.key] = self.running.get(request.key, 0) + 1
            self.max_running[request.key] = max(self.max_running.get(request.key, 0), now)
        try:
            if self.pause:
                time.sleep(self.pause)
            result = self.script.pop(0) if self.script else None
            if result == "ok":
                return ReloadOutcome(OutcomeKind.APPLIED, request.key, request.trigger, events=request.events)
            if result == "boom":
                raise ValueError("handler bug")
            return result
        finally:
            with self.lock:
                self.running[request.key] -= 1


def reload_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("toolsync-reload")]


async def test_burst_is_coalesced_into_one_run() -> None:
    """Ten requests inside the quiet period run the handler once, reporting ten events."""
    handler = Recorder(["ok"])
    outcomes: list[ReloadOutcome] = []
    queue = ReloadQueue(handler, debounce=0.05, on_outcome=outcomes.append)
    for _ in range(10):
        queue.request("a", "file")
    await queue.wait_idle()
    await queue.aclose()
    assert len(handler.requests) == 1
    assert handler.requests[0].events == 10
    assert [o.events for o in outcomes] == [10]


async def test_different_keys_run_in_parallel() -> None:
    """Two keys reach a two-party barrier together, which only concurrent runs can do."""
    barrier = threading.Barrier(2, timeout=5)

    def handler(request: ReloadRequest):
        barrier.wait()
        return ReloadOutcome(OutcomeKind.APPLIED, request.key, request.trigger)

    outcomes: list[ReloadOutcome] = []
    queue = ReloadQueue(handler, debounce=0.01, on_outcome=outcomes.append)
    queue.request("a", "file")
    queue.request("b", "file")
    await queue.wait_idle()
    await queue.aclose()
    assert sorted(o.key for o in outcomes) == ["a", "b"]


async def test_one_key_never_runs_twice_at_once() -> None:
    """Requests arriving during a run schedule exactly one more run, after the first one ends."""
    handler = Recorder(["ok", "ok"], pause=0.15)
    queue = ReloadQueue(handler, debounce=0.01)
    queue.request("a", "file")
    while not handler.requests:
        await asyncio.sleep(0.005)
    for _ in range(5):
        queue.request("a", "api")
    await queue.wait_idle()
    await queue.aclose()
    assert handler.max_running == {"a": 1}
    assert [r.events for r in handler.requests] == [1, 5]
    assert handler.requests[1].trigger == "api"


async def test_retry_runs_again_with_growing_attempt() -> None:
    """A Retry result runs the same request again, counting attempts, until an outcome comes."""
    handler = Recorder([Retry(0.01), Retry(0.01), "ok"])
    outcomes: list[ReloadOutcome] = []
    queue = ReloadQueue(handler, debounce=0.01, on_outcome=outcomes.append)
    queue.request("a", "file")
    queue.request("a", "file")
    await queue.wait_idle()
    await queue.aclose()
    assert [r.attempt for r in handler.requests] == [0, 1, 2]
    assert {r.events for r in handler.requests} == {2}
    assert len({r.started for r in handler.requests}) == 1
    assert len(outcomes) == 1


async def test_new_request_replaces_pending_retry() -> None:
    """A request during a long retry wait runs after the debounce, with the attempt count reset."""
    handler = Recorder([Retry(30.0), "ok"])
    queue = ReloadQueue(handler, debounce=0.01)
    queue.request("a", "file")
    while not handler.requests:
        await asyncio.sleep(0.005)
    while queue.pending() and handler.running.get("a"):
        await asyncio.sleep(0.005)
    await asyncio.sleep(0.02)
    queue.request("a", "webhook")
    await asyncio.wait_for(queue.wait_idle(), 5)
    await queue.aclose()
    assert [(r.attempt, r.trigger) for r in handler.requests] == [(0, "file"), (0, "webhook")]


async def test_key_that_never_goes_quiet_still_runs_after_max_wait() -> None:
    """Requests every 10 ms with a 100 ms debounce still run once max_wait has passed."""
    handler = Recorder(["ok"] * 50)
    queue = ReloadQueue(handler, debounce=0.1, max_wait=0.15)
    sent = 0
    while not handler.requests and sent < 300:
        queue.request("a", "file")
        sent += 1
        await asyncio.sleep(0.01)
    await queue.aclose()
    assert handler.requests, "the handler never ran while requests kept coming"
    assert handler.requests[0].events < sent + 1


async def test_crashing_handler_reports_failure_and_queue_goes_on() -> None:
    """A handler that raises becomes a FAILED outcome naming the key; later requests still run."""
    handler = Recorder(["boom", "ok"])
    outcomes: list[ReloadOutcome] = []
    queue = ReloadQueue(handler, debounce=0.01, on_outcome=outcomes.append)
    queue.request("a", "file")
    await queue.wait_idle()
    queue.request("a", "file")
    await queue.wait_idle()
    await queue.aclose()
    assert [o.kind for o in outcomes] == [OutcomeKind.FAILED, OutcomeKind.APPLIED]
    assert "ValueError" in str(outcomes[0].error) and outcomes[0].error.source == "a"


async def test_failing_listener_does_not_stop_the_queue() -> None:
    """An outcome listener that raises is logged; the next reloads still run and report."""
    seen: list[str] = []

    def listener(outcome: ReloadOutcome) -> None:
        seen.append(outcome.key)
        raise RuntimeError("listener bug")

    queue = ReloadQueue(Recorder(["ok", "ok"]), debounce=0.01, on_outcome=listener)
    queue.request("a", "file")
    await queue.wait_idle()
    queue.request("b", "file")
    await queue.wait_idle()
    await queue.aclose()
    assert seen == ["a", "b"]


async def test_close_drops_waiting_requests_and_joins_threads() -> None:
    """aclose() cancels waiting requests, waits for a running one and leaves no thread behind."""
    handler = Recorder(["ok"], pause=0.1)
    queue = ReloadQueue(handler, debounce=0.01)
    queue.request("running", "file")
    while not handler.requests:
        await asyncio.sleep(0.005)
    queue.request("waiting", "file", delay=30)
    await queue.aclose()
    queue.request("late", "file")
    assert [r.key for r in handler.requests] == ["running"]
    assert reload_threads() == []
    assert asyncio.all_tasks() == {asyncio.current_task()}


async def test_request_threadsafe_from_another_thread() -> None:
    """request_threadsafe() from a plain thread reaches the queue on its loop."""
    handler = Recorder(["ok"])
    queue = ReloadQueue(handler, debounce=0.01)
    thread = threading.Thread(target=queue.request_threadsafe, args=("a", "api"))
    thread.start()
    thread.join()
    while not handler.requests:
        await asyncio.sleep(0.005)
    await queue.wait_idle()
    await queue.aclose()
    assert handler.requests[0].trigger == "api"
