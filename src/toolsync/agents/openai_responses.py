"""
The agent loop for the OpenAI Responses API (``client.responses.create``).

Each turn sends the **whole input** again (the original items, every output item of the model,
every ``function_call_output``) rather than chaining with ``previous_response_id``: the loop then
works with ``store=False`` and zero-data-retention projects, every request is complete on its own,
and ``AgentResult.history`` is an input list ready for the next run. Pass
``include=["reasoning.encrypted_content"]`` when a reasoning model runs with ``store=False``.
"""

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

__all__ = ["OpenAIResponsesConversation", "run_openai_responses"]

_MANAGED = ("model", "input", "tools")


class OpenAIResponsesConversation:
    """The Responses side of the loop: ``function_call`` items in, ``function_call_output`` items out."""

    provider = "openai"

    def __init__(self, client: AsyncOpenAI, *, model: str, input: str | Sequence[Any],
                 extra: Mapping[str, Any] | None = None) -> None:
        require_sdk("openai", "openai")
        self.client = client
        self.model = model
        self.extra = check_extra(self.provider, extra or {}, _MANAGED)
        self.history: list[Any] = [{"role": "user", "content": input}] if isinstance(input, str) else list(input)

    async def ask(self, tools: Rendered) -> Reply:
        args: dict[str, Any] = {**self.extra, "model": self.model, "input": list(self.history)}
        if tools:
            args["tools"] = list(tools)
        response = await self.client.responses.create(**args)
        self.history.extend(response.output)
        calls = tuple(PendingCall(item.call_id, item.name, item.arguments)
                      for item in response.output if item.type == "function_call")
        return Reply(response.output_text, calls, response)

    def add_results(self, calls: Sequence[ToolCall]) -> None:
        self.history.extend({"type": "function_call_output", "call_id": call.id,
                             "output": call.result.to_model_text()} for call in calls)


async def run_openai_responses(client: AsyncOpenAI, registry: ToolSource, executor: ToolExecutor, *, model: str,
                               input: str | Sequence[Any], max_turns: int = DEFAULT_MAX_TURNS,
                               **extra: Any) -> AgentResult:
    """
    Talk with a model through the Responses API, offering the registry's current tools each turn.

    Args:
        client: an ``openai.AsyncOpenAI`` (or ``AsyncAzureOpenAI``) client.
        registry: where the tools come from; ``registry.snapshot`` is read at the start of each turn.
        executor: carries out the calls (:class:`toolsync.execute.Executor`).
        input: the user's text, or a list of input items.
        max_turns: most model requests made; reaching it returns with ``stopped_by="turn_limit"``.
        extra: more arguments for ``responses.create`` (``instructions``, ``temperature``, ``store``...).

    Raises:
        ConfigError: the openai package is missing, or ``extra`` sets ``model``, ``input`` or ``tools``.
        ProviderError: a request to the model failed.

    Example::

        result = await run_openai_responses(AsyncOpenAI(), registry, executor, model="gpt-4.1",
                                            input="Is pet 1 available?")
        print(result.text, [call.name for call in result.tool_calls])  # Yes, Rex is available. ['getPet']
    """
    conversation = OpenAIResponsesConversation(client, model=model, input=input, extra=extra)
    return await run_conversation(conversation, registry, executor, max_turns=max_turns)
