"""The agent loop for the Anthropic Messages API: ``tool_use`` blocks → ``tool_result`` blocks."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .base import (
    DEFAULT_MAX_TURNS,
    AgentResult,
    PendingCall,
    Rendered,
    Reply,
    ToolCall,
    ToolExecutor,
    ToolSource,
    check_extra,
    require_sdk,
    run_conversation,
)

if TYPE_CHECKING:
    from anthropic import AsyncAnthropic

__all__ = ["AnthropicConversation", "run_anthropic"]

_MANAGED = ("model", "messages", "max_tokens", "tools")


class AnthropicConversation:
    """The Messages side of the loop; a failed call's result is sent with ``is_error: true``."""

    provider = "anthropic"

    def __init__(self, client: AsyncAnthropic, *, model: str, messages: str | Sequence[Any], max_tokens: int,
                 extra: Mapping[str, Any] | None = None) -> None:
        require_sdk("anthropic", "anthropic")
        self.client = client
        self.model = model
        self.max_tokens = max_tokens
        self.extra = check_extra(self.provider, extra or {}, _MANAGED)
        self.history: list[Any] = ([{"role": "user", "content": messages}] if isinstance(messages, str)
                                   else list(messages))

    async def ask(self, tools: Rendered) -> Reply:
        args: dict[str, Any] = {**self.extra, "model": self.model, "max_tokens": self.max_tokens,
                                "messages": list(self.history)}
        if tools:
            args["tools"] = list(tools)
        response = await self.client.messages.create(**args)
        # The content goes back as it came (thinking blocks and their signatures included).
        self.history.append({"role": "assistant", "content": response.content})
        calls = tuple(PendingCall(block.id, block.name, block.input)
                      for block in response.content if block.type == "tool_use")
        text = "".join(block.text for block in response.content if block.type == "text")
        return Reply(text, calls, response)

    def add_results(self, calls: Sequence[ToolCall]) -> None:
        self.history.append({"role": "user", "content": [_tool_result(call) for call in calls]})


def _tool_result(call: ToolCall) -> dict[str, Any]:
    block: dict[str, Any] = {"type": "tool_result", "tool_use_id": call.id, "content": call.result.to_model_text()}
    if not call.result.ok:
        block["is_error"] = True
    return block


async def run_anthropic(client: AsyncAnthropic, registry: ToolSource, executor: ToolExecutor, *, model: str,
                        messages: str | Sequence[Any], max_tokens: int, max_turns: int = DEFAULT_MAX_TURNS,
                        **extra: Any) -> AgentResult:
    """
    Talk with Claude through the Messages API, offering the registry's current tools each turn.

    Args:
        client: an ``anthropic.AsyncAnthropic`` client.
        registry: where the tools come from; ``registry.snapshot`` is read at the start of each turn.
        executor: carries out the calls (:class:`toolsync.execute.Executor`).
        messages: the user's text, or the messages so far.
        max_tokens: the most tokens one reply may use.
        max_turns: most model requests made; reaching it returns with ``stopped_by="turn_limit"``.
        extra: more arguments for ``messages.create`` (``system``, ``temperature``, ``tool_choice``...).

    Raises:
        ConfigError: the anthropic package is missing, or ``extra`` sets an argument the loop sets.
        ProviderError: a request to the model failed.

    Example::

        result = await run_anthropic(AsyncAnthropic(), registry, executor, model="claude-sonnet-4-5",
                                     max_tokens=1024, messages="Which pets are sold?")
        print(result.text)
    """
    conversation = AnthropicConversation(client, model=model, messages=messages, max_tokens=max_tokens,
                                         extra=extra)
    return await run_conversation(conversation, registry, executor, max_turns=max_turns)
