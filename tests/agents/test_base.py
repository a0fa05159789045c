"""The shared loop with a scripted conversation: how calls are checked, decoded and carried out."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pytest

from toolsync.agents import PendingCall, ProviderError, Reply, ToolCall, run_conversation
from toolsync.agents.base import Rendered, offered_tools
from toolsync.errors import UpstreamError
from toolsync.execute import Executor, ToolResult
from toolsync.registry import Registry
from toolsync.tool import Tool

Step = Callable[[Rendered], Reply]


class ScriptedConversation:
    """A conversation whose model replies are given in advance; it records what it was offered."""

    provider = "openai"

    def __init__(self, *steps: Step) -> None:
        self.steps = list(steps)
        self.history: list[Any] = []
        self.offered: list[Rendered] = []

    async def ask(self, tools: Rendered) -> Reply:
        self.offered.append(tools)
        return self.steps.pop(0)(tools)

    def add_results(self, calls: Sequence[ToolCall]) -> None:
        self.history.append(list(calls))


def calls(*pending: tuple[str, Any]) -> Step:
    return lambda tools: Reply("", tuple(PendingCall(f"c{n}", name, args) for n, (name, args) in enumerate(pending)),
                               None)


def answer(text: str) -> Step:
    return lambda tools: Reply(text, (), None)


class RaisingExecutor:
    """An executor stand-in that fails the way a transport can."""

    async def call(self, tool: Tool, arguments: Mapping[str, Any] | None) -> ToolResult:
        raise UpstreamError("connection refused", source="http://127.0.0.1:9")


async def test_a_tool_removed_after_the_offer_gets_tool_changed(registry: Registry, executor: Executor) -> None:
    """A call of a tool that a reload removed since its turn was offered is refused with tool_changed."""
    def remove_then_call(tools: Rendered) -> Reply:
        registry.unregister("getPet")
        return calls(("getPet", '{"petId": 1}'))(tools)

    conversation = ScriptedConversation(remove_then_call, answer("done"))
    result = await run_conversation(conversation, registry, executor)
    error = result.tool_calls[0].result.error
    assert error is not None and (error["type"], error["removed"]) == ("tool_changed", True)
    assert "getPet" not in offered_tools(registry.snapshot, "openai")
    assert len(conversation.offered[1]) == len(conversation.offered[0]) - 1


async def test_strict_mode_nulls_are_dropped_before_the_call(registry: Registry, executor: Executor) -> None:
    """Optional arguments sent as null (OpenAI strict mode) are left out of the request."""
    conversation = ScriptedConversation(calls(("listPets", '{"limit": null, "tags": null, "status": "sold"}')),
                                        answer("done"))
    result = await run_conversation(conversation, registry, executor)
    call = result.tool_calls[0]
    assert call.ok and [pet["name"] for pet in call.result.body] == ["Tom"]


@pytest.mark.parametrize("arguments", ["", "  ", None, {}])
async def test_empty_arguments_mean_no_arguments(arguments: Any, registry: Registry, executor: Executor) -> None:
    """An empty string or null stands for no arguments, as some models send for argument-less tools."""
    conversation = ScriptedConversation(calls(("getText", arguments)), answer("done"))
    result = await run_conversation(conversation, registry, executor)
    assert result.tool_calls[0].arguments == {} and result.tool_calls[0].result.text == "hello, world"


async def test_an_executor_that_raises_gives_an_error_result(registry: Registry) -> None:
    """A ToolsyncError from the executor becomes an error result for the model, not an exception."""
    conversation = ScriptedConversation(calls(("getPet", {"petId": 1})), answer("done"))
    result = await run_conversation(conversation, registry, RaisingExecutor())
    error = result.tool_calls[0].result.error
    assert error is not None and error["type"] == "upstream_error" and "connection refused" in error["message"]
    assert result.stopped_by == "answer"


async def test_a_failing_conversation_raises_provider_error(registry: Registry, executor: Executor) -> None:
    """Anything the model request raises that is not a toolsync error comes out as ProviderError."""
    def broken(tools: Rendered) -> Reply:
        raise ValueError("bad reply")

    with pytest.raises(ProviderError, match="turn 1 failed: ValueError: bad reply"):
        await run_conversation(ScriptedConversation(broken), registry, executor)


async def test_turn_limit_of_one_makes_no_call(registry: Registry, executor: Executor) -> None:
    """With max_turns=1 a reply asking for tools ends the run at once, its calls pending."""
    conversation = ScriptedConversation(calls(("getPet", {"petId": 1})))
    result = await run_conversation(conversation, registry, executor, max_turns=1)
    assert (result.stopped_by, result.tool_calls, len(result.pending)) == ("turn_limit", (), 1)
    assert conversation.history == []
