"""
The agent loop for Google Gemini (``client.aio.models.generate_content`` of ``google-genai``).

The SDK's automatic function calling is turned off: toolsync carries out the calls itself, so that
they go through the registry's checks and the executor's guard. ``function_call`` parts are
answered with ``function_response`` parts holding ``{"output": ...}`` or ``{"error": ...}``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import orjson

from .base import (
    DEFAULT_MAX_TURNS,
    AgentResult,
    PendingCall,
    Rendered,
    Reply,
    ToolCall,
    ToolExecutor,
    ToolSource,
    require_sdk,
    run_conversation,
)

if TYPE_CHECKING:
    from google.genai import Client, types

__all__ = ["GeminiConversation", "run_gemini"]


class GeminiConversation:
    """The Gemini side of the loop. The function declarations are built once per snapshot."""

    provider = "gemini"

    def __init__(self, client: Client, *, model: str, contents: str | Sequence[Any],
                 config: types.GenerateContentConfig | None = None) -> None:
        self.types: Any = require_sdk("google.genai.types", "gemini")
        self.client = client
        self.model = model
        self.config = config if config is not None else self.types.GenerateContentConfig()
        self.history: list[Any] = ([self.types.Content(role="user", parts=[self.types.Part(text=contents)])]
                                   if isinstance(contents, str) else list(contents))
        self._declared: tuple[Rendered, Any] | None = None

    async def ask(self, tools: Rendered) -> Reply:
        response = await self.client.aio.models.generate_content(
            model=self.model, contents=list(self.history), config=self._config(tools))
        content = response.candidates[0].content if response.candidates else None
        if content is None:
            return Reply("", (), response)
        self.history.append(content)
        parts = content.parts or []
        calls = tuple(PendingCall(part.function_call.id or "", part.function_call.name or "",
                                  part.function_call.args) for part in parts if part.function_call)
        text = "".join(part.text for part in parts if part.text and not part.thought)
        return Reply(text, calls, response)

    def add_results(self, calls: Sequence[ToolCall]) -> None:
        parts = [self.types.Part(function_response=self.types.FunctionResponse(
            id=call.id or None, name=call.name, response=_payload(call))) for call in calls]
        self.history.append(self.types.Content(role="user", parts=parts))

    def _config(self, tools: Rendered) -> types.GenerateContentConfig:
        declared = self._tool(tools)
        own = [*(self.config.tools or ()), declared] if declared is not None else self.config.tools
        afc = self.types.AutomaticFunctionCallingConfig(disable=True)
        config: types.GenerateContentConfig = self.config.model_copy(
            update={"tools": own, "automatic_function_calling": afc})
        return config

    def _tool(self, tools: Rendered) -> Any:
        # ``Snapshot.rendered`` hands out one tuple per snapshot: the same tuple, the same declarations.
        if self._declared is None or self._declared[0] is not tools:
            declarations = [self.types.FunctionDeclaration.model_validate(dict(d)) for d in tools]
            self._declared = (tools, self.types.Tool(function_declarations=declarations) if tools else None)
        return self._declared[1]


def _payload(call: ToolCall) -> dict[str, Any]:
    result = call.result
    if result.ok:
        return {"output": result.to_model_text()}
    payload: dict[str, Any] = orjson.loads(result.to_model_text())
    return payload


async def run_gemini(client: Client, registry: ToolSource, executor: ToolExecutor, *, model: str,
                     contents: str | Sequence[Any], config: types.GenerateContentConfig | None = None,
                     max_turns: int = DEFAULT_MAX_TURNS) -> AgentResult:
    """
    Talk with Gemini, offering the registry's current tools each turn.

    Args:
        client: a ``google.genai.Client`` (its ``aio`` side is used).
        registry: where the tools come from; ``registry.snapshot`` is read at the start of each turn.
        executor: carries out the calls (:class:`toolsync.execute.Executor`).
        contents: the user's text, or the contents so far (``types.Content`` objects or dicts).
        config: a ``types.GenerateContentConfig`` for ``system_instruction``, ``temperature`` and the
            like; its ``tools`` are kept and the registry's declarations added to them.
        max_turns: most model requests made; reaching it returns with ``stopped_by="turn_limit"``.

    Raises:
        ConfigError: the google-genai package is missing.
        ProviderError: a request to the model failed.

    Example::

        result = await run_gemini(genai.Client(), registry, executor, model="gemini-2.5-flash",
                                  contents="Find pet 3")
        print(result.tool_calls[0].result.ok, result.text)  # True Pet 3 is Kiki, a bird.
    """
    conversation = GeminiConversation(client, model=model, contents=contents, config=config)
    return await run_conversation(conversation, registry, executor, max_turns=max_turns)
