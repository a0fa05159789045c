"""The agent loop for OpenAI Chat Completions (``client.chat.completions.create``): ``tool_calls`` → ``role: tool``."""

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
    from openai import AsyncOpenAI

__all__ = ["OpenAIChatConversation", "run_openai_chat"]

_MANAGED = ("model", "messages", "tools")


class OpenAIChatConversation:
    """The Chat Completions side of the loop; also fits servers that speak the same API."""

    provider = "openai-chat"

    def __init__(self, client: AsyncOpenAI, *, model: str, messages: str | Sequence[Any],
                 extra: Mapping[str, Any] | None = None) -> None:
        require_sdk("openai", "openai")
        self.client = client
        self.model = model
        self.extra = check_extra(self.provider, extra or {}, _MANAGED)
        self.history: list[Any] = ([{"role": "user", "content": messages}] if isinstance(messages, str)
                                   else list(messages))

    async def ask(self, tools: Rendered) -> Reply:
        args: dict[str, Any] = {**self.extra, "model": self.model, "messages": list(self.history)}
        if tools:
            args["tools"] = list(tools)
        response = await self.client.chat.completions.create(**args)
        if not response.choices:
            return Reply("", (), response)
        message = response.choices[0].message
        calls = tuple(_pending(call) for call in message.tool_calls or ())
        self.history.append(_assistant(message.content, message.tool_calls or ()))
        return Reply(message.content or "", calls, response)

    def add_results(self, calls: Sequence[ToolCall]) -> None:
        self.history.extend({"role": "tool", "tool_call_id": call.id, "content": call.result.to_model_text()}
                            for call in calls)


def _pending(call: Any) -> PendingCall:
    # A custom (free-form) tool call names no registry tool; it is answered as an unknown tool.
    if call.type == "function":
        return PendingCall(call.id, call.function.name, call.function.arguments)
    return PendingCall(call.id, call.custom.name, call.custom.input)


def _assistant(content: str | None, tool_calls: Sequence[Any]) -> dict[str, Any]:
    """The assistant message to send back: only the fields a request accepts."""
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if tool_calls:
        message["tool_calls"] = [call.model_dump(mode="json", exclude_none=True) for call in tool_calls]
    return message


async def run_openai_chat(client: AsyncOpenAI, registry: ToolSource, executor: ToolExecutor, *, model: str,
                          messages: str | Sequence[Any], max_turns: int = DEFAULT_MAX_TURNS,
                          **extra: Any) -> AgentResult:
    """
    Talk with a model through Chat Completions, offering the registry's current tools each turn.

    Args:
        client: an ``openai.AsyncOpenAI`` client (any server speaking Chat Completions will do).
        registry: where the tools come from; ``registry.snapshot`` is read at the start of each turn.
        executor: carries out the calls (:class:`toolsync.execute.Executor`).
        messages: the user's text, or the messages so far (a system message included).
        max_turns: most model requests made; reaching it returns with ``stopped_by="turn_limit"``.
        extra: more arguments for ``chat.completions.create`` (``temperature``, ``tool_choice``...).

    Raises:
        ConfigError: the openai package is missing, or ``extra`` sets ``model``, ``messages`` or ``tools``.
        ProviderError: a request to the model failed.

    Example::

        result = await run_openai_chat(AsyncOpenAI(), registry, executor, model="gpt-4.1-mini",
                                       messages="List the available pets")
        print(result.stopped_by, result.text)  # answer Rex and Kiki are available.
    """
    conversation = OpenAIChatConversation(client, model=model, messages=messages, extra=extra)
    return await run_conversation(conversation, registry, executor, max_turns=max_turns)
