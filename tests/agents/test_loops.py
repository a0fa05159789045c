"""The agent loops end to end: real SDK clients, the fake provider, the registry and the upstream API."""

from __future__ import annotations

import asyncio
import copy
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from starlette.responses import JSONResponse

from tests.upstream.app import OPENAPI
from toolsync.agents import UNKNOWN_TOOL, ProviderError
from toolsync.config import SpecConfig
from toolsync.errors import ConfigError
from toolsync.execute import Executor, ToolResult
from toolsync.registry import Registry
from toolsync.tool import Tool

from .conftest import Driver, write_spec
from .fake_provider import Call, FakeProvider, Recorded


class BarrierExecutor:
    """Lets calls through only once ``parties`` of them are waiting together: proof they run concurrently."""

    def __init__(self, inner: Executor, parties: int) -> None:
        self.inner = inner
        self.barrier = asyncio.Barrier(parties)

    async def call(self, tool: Tool, arguments: Mapping[str, Any] | None) -> ToolResult:
        async with asyncio.timeout(10):
            await self.barrier.wait()
        return await self.inner.call(tool, arguments)


def offered(driver: Driver, registry: Registry) -> Any:
    """A step asserting the request offers the registry's current tools, then asking for nothing."""
    def check(request: Recorded) -> Any:
        assert driver.sent_tools(request.body) == driver.expected_tools(registry.snapshot)
        return driver.dialect.answer("no tools needed")
    return check


async def test_answer_without_tool_calls(driver: Driver, fake: FakeProvider, registry: Registry,
                                         executor: Executor) -> None:
    """A first reply without tool calls ends the run after one turn, having offered every current tool."""
    fake.script(offered(driver, registry))
    result = await driver.run(fake, registry, executor)
    assert (result.stopped_by, result.turns, result.text, result.tool_calls) == ("answer", 1, "no tools needed", ())
    assert len(driver.dialect.tool_names(fake.requests[0].body)) == len(registry.snapshot.tools)


async def test_parallel_calls_reach_the_api_and_results_go_back(driver: Driver, fake: FakeProvider,
                                                                registry: Registry, executor: Executor) -> None:
    """Two calls in one reply run concurrently against the real API; the model gets both results."""
    dialect = driver.dialect
    fake.script(lambda r: dialect.ask(Call("getPet", {"petId": 1}), Call("listPets", {"status": "sold"})),
                dialect.echo_results)
    result = await driver.run(fake, registry, BarrierExecutor(executor, 2), "Tell me about pets")
    assert (result.stopped_by, result.turns) == ("answer", 2)
    assert [(c.name, c.arguments, c.turn, c.ok) for c in result.tool_calls] == [
        ("getPet", {"petId": 1}, 1, True), ("listPets", {"status": "sold"}, 1, True)]
    assert result.tool_calls[0].result.body["name"] == "Rex"
    sent = dialect.results(fake.requests[1].body)
    assert [s.id for s in sent] == [c.id for c in result.tool_calls]
    assert "Rex" in sent[0].text and "Tom" in sent[1].text
    assert "Rex" in result.text and "Tom" in result.text
    assert driver.sent_tools(fake.requests[0].body) == driver.expected_tools(registry.snapshot)


async def test_tool_error_is_sent_back(driver: Driver, fake: FakeProvider, registry: Registry,
                                       executor: Executor) -> None:
    """An API error becomes an error result the model reads, and the model still gets to answer."""
    dialect = driver.dialect
    fake.script(lambda r: dialect.ask(Call("getPet", {"petId": 999})), dialect.echo_results)
    result = await driver.run(fake, registry, executor)
    call = result.tool_calls[0]
    assert not call.ok and call.result.status == 404
    assert call.result.error is not None and call.result.error["type"] == "http_error"
    (sent,) = dialect.results(fake.requests[1].body)
    assert sent.is_error and "http_error" in sent.text and "not found" in sent.text
    assert result.stopped_by == "answer" and "http_error" in result.text


async def test_unknown_tool_name(driver: Driver, fake: FakeProvider, registry: Registry, executor: Executor) -> None:
    """A name the turn did not offer gets an unknown_tool result with a suggestion; nothing is raised."""
    dialect = driver.dialect
    fake.script(lambda r: dialect.ask(Call("getPett", {"petId": 1}), Call("getPet", {"petId": 3})),
                dialect.echo_results)
    result = await driver.run(fake, registry, executor)
    unknown, known = result.tool_calls
    assert unknown.result.error is not None and unknown.result.error["type"] == UNKNOWN_TOOL
    assert "'getPet'" in unknown.result.error["message"]
    assert known.ok and known.result.body["name"] == "Kiki"
    sent = dialect.results(fake.requests[1].body)
    assert sent[0].is_error and UNKNOWN_TOOL in sent[0].text and not sent[1].is_error


async def test_turn_limit_stops_without_raising(driver: Driver, fake: FakeProvider, registry: Registry,
                                                executor: Executor) -> None:
    """A model that keeps calling tools is stopped at max_turns; the last turn's calls are left pending."""
    dialect = driver.dialect
    fake.script(*[lambda r, n=n: dialect.ask(Call("getPet", {"petId": n})) for n in (1, 2, 3)])
    result = await driver.run(fake, registry, executor, max_turns=3)
    assert (result.stopped_by, result.turns, len(fake.requests)) == ("turn_limit", 3, 3)
    assert [c.arguments for c in result.tool_calls] == [{"petId": 1}, {"petId": 2}]
    (pending,) = result.pending
    assert pending.name == "getPet"
    assert (json.loads(pending.arguments) if isinstance(pending.arguments, str) else pending.arguments) == {"petId": 3}


async def test_reload_between_turns(driver: Driver, fake: FakeProvider, registry: Registry, executor: Executor,
                                    tmp_path: Path, upstream_url: str) -> None:
    """A reload mid-run: the next turn offers the new tool, and a call of a tool it changed gets tool_changed."""
    dialect = driver.dialect
    changed = copy.deepcopy(OPENAPI)
    changed["paths"]["/owners/{ownerId}"] = {"get": {"operationId": "getOwner", "parameters": [
        {"name": "ownerId", "in": "path", "required": True, "schema": {"type": "integer"}}],
        "responses": {"200": {"description": "An owner"}}}}
    changed["paths"]["/pets/{petId}"]["get"]["parameters"].append(
        {"name": "fields", "in": "query", "schema": {"type": "string"}})
    before = registry.snapshot

    def reload_then_call(request: Recorded) -> Any:
        assert driver.sent_tools(request.body) == driver.expected_tools(before)
        source = write_spec(tmp_path / "pets-v2.json", changed)
        changes = registry.load(SpecConfig(source=str(source), name="pets", server_url=upstream_url))
        assert (changes.added, changes.updated) == (("getOwner",), ("getPet",))
        return dialect.ask(Call("getPet", {"petId": 1}))

    def call_new_tool(request: Recorded) -> Any:
        assert "getOwner" in dialect.tool_names(request.body)
        assert driver.sent_tools(request.body) == driver.expected_tools(registry.snapshot)
        return dialect.ask(Call("getOwner", {"ownerId": 7}, id="call_owner"))

    fake.script(reload_then_call, call_new_tool, dialect.echo_results)
    result = await driver.run(fake, registry, executor)
    stale, owner = result.tool_calls
    assert stale.result.error is not None and stale.result.error["type"] == "tool_changed"
    assert "fields" in stale.result.error["input_schema"]["properties"]
    assert owner.ok and owner.result.body["raw_path"] == "/owners/7"
    assert (result.stopped_by, result.turns) == ("answer", 3)
    assert "tool_changed" in dialect.results(fake.requests[1].body)[0].text


async def test_history_continues_the_conversation(driver: Driver, fake: FakeProvider, registry: Registry,
                                                  executor: Executor) -> None:
    """``history`` passed back in carries the earlier tool results into the next run."""
    dialect = driver.dialect
    fake.script(lambda r: dialect.ask(Call("getPet", {"petId": 2})), dialect.echo_results,
                dialect.echo_results)
    first = await driver.run(fake, registry, executor)
    second = await driver.run(fake, registry, executor, first.history)
    assert (second.turns, second.tool_calls) == (1, ())
    assert dialect.results(fake.requests[2].body) == dialect.results(fake.requests[1].body)
    assert "Tom" in second.text


async def test_provider_failure_raises_provider_error(driver: Driver, fake: FakeProvider, registry: Registry,
                                                      executor: Executor) -> None:
    """A failed model request raises ProviderError naming the turn, with the SDK's error chained."""
    dialect = driver.dialect
    fake.script(lambda r: dialect.ask(Call("getPet", {"petId": 1})),
                lambda r: JSONResponse({"error": {"message": "overloaded"}}, status_code=400))
    with pytest.raises(ProviderError, match="turn 2") as caught:
        await driver.run(fake, registry, executor)
    assert caught.value.source == driver.name and caught.value.__cause__ is not None


async def test_max_turns_below_one_is_refused(driver: Driver, fake: FakeProvider, registry: Registry,
                                              executor: Executor) -> None:
    """max_turns=0 is a ConfigError before any request is made."""
    with pytest.raises(ConfigError, match="max_turns"):
        await driver.run(fake, registry, executor, max_turns=0)
    assert fake.requests == []


@pytest.mark.parametrize(("driver_name", "arguments"), [
    ("openai", "{petId: 1"), ("openai-chat", '{"petId": 1'), ("openai", "[1, 2]"), ("openai-chat", '"petId"')])
async def test_bad_arguments_become_an_error_result(driver_name: str, arguments: Any, fake: FakeProvider,
                                                    registry: Registry, executor: Executor) -> None:
    """Arguments that are not one JSON object get an invalid_arguments result; the run goes on."""
    from .conftest import DRIVERS

    driver = DRIVERS[driver_name]
    fake.script(lambda r: driver.dialect.ask(Call("getPet", arguments)), driver.dialect.echo_results)
    result = await driver.run(fake, registry, executor)
    (call,) = result.tool_calls
    assert call.result.error is not None and call.result.error["type"] == "invalid_arguments"
    assert call.arguments == arguments and result.stopped_by == "answer"
    assert driver.dialect.results(fake.requests[1].body)[0].is_error
