"""
What every agent loop shares: the registry's tools taken fresh each turn, the model's tool calls
carried out in parallel, and the result of a run.

A provider module supplies a :class:`Conversation` (how to ask the model with a list of tools, and
how to hand tool results back in the provider's format); :func:`run_conversation` drives it::

    for turn in 1..max_turns:
        snapshot = registry.snapshot              # a reload shows up on the next turn
        reply = await conversation.ask(snapshot.rendered(provider))
        if not reply.calls: stop ("answer")
        results = await asyncio.gather(*(call(c, offered=snapshot) for c in reply.calls))
        conversation.add_results(results)
    stop ("turn_limit")

Each call is checked against the snapshot its turn was offered on: a name that snapshot does not
offer, or arguments that are not a JSON object, become an error result sent back to the model;
a tool a reload changed or removed since gets the ``tool_changed`` result of
:func:`toolsync.execute.check_current`. Nothing a model sends raises.
"""

from __future__ import annotations

import asyncio
import difflib
import importlib
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any, Literal, Protocol

import orjson

from ..errors import ConfigError, ProviderError, ToolsyncError
from ..execute import ErrorType, ToolResult, check_current
from ..formats import neutral_arguments
from ..registry import RegisteredTool, Snapshot
from ..tool import Tool

__all__ = [
    "DEFAULT_MAX_TURNS",
    "UNKNOWN_TOOL",
    "AgentResult",
    "Conversation",
    "PendingCall",
    "ProviderError",
    "Reply",
    "StoppedBy",
    "ToolCall",
    "ToolExecutor",
    "ToolSource",
    "carry_out",
    "check_extra",
    "offered_tools",
    "require_sdk",
    "run_conversation",
]

log = logging.getLogger("toolsync.agents")

DEFAULT_MAX_TURNS = 10
#: The error ``type`` of a call naming a tool the turn did not offer.
UNKNOWN_TOOL = "unknown_tool"
StoppedBy = Literal["answer", "turn_limit"]
Rendered = tuple[Mapping[str, Any], ...]


class ToolSource(Protocol):
    """Where a loop reads tools: a :class:`~toolsync.registry.Registry` or anything with a snapshot."""

    @property
    def snapshot(self) -> Snapshot: ...


class ToolExecutor(Protocol):
    """What carries out a call: a :class:`~toolsync.execute.Executor` or a stand-in with its ``call``."""

    async def call(self, tool: Tool, arguments: Mapping[str, Any] | None) -> ToolResult: ...


@dataclass(frozen=True, slots=True)
class PendingCall:
    """One tool call as the model asked for it."""

    id: str
    name: str
    # A JSON string (OpenAI) or an already decoded value (Anthropic, Gemini).
    arguments: Any


@dataclass(frozen=True, slots=True)
class ToolCall:
    """One tool call carried out: what the model asked for and what it got back."""

    id: str
    name: str
    # The decoded arguments; the raw text when it was not a JSON object.
    arguments: Any
    result: ToolResult
    turn: int

    @property
    def ok(self) -> bool:
        return self.result.ok


@dataclass(frozen=True, slots=True)
class Reply:
    """One model response, reduced to what the loop needs."""

    text: str
    calls: tuple[PendingCall, ...]
    response: Any


@dataclass(frozen=True, slots=True)
class AgentResult:
    """
    How a run ended.

    ``history`` is the conversation in the provider's own format (the model's replies and the tool
    results included), ready to be passed back in to continue. ``pending`` holds the calls the
    model asked for on the last turn of a ``turn_limit`` stop: they were not carried out, since
    their results could not have reached the model.
    """

    text: str
    turns: int
    tool_calls: tuple[ToolCall, ...]
    stopped_by: StoppedBy
    history: list[Any] = field(default_factory=list)
    response: Any = None
    pending: tuple[PendingCall, ...] = ()


class Conversation(Protocol):
    """One provider's side of the loop. ``history`` grows with every reply and result."""

    provider: str  # the key of ``Snapshot.rendered``
    history: list[Any]

    async def ask(self, tools: Rendered) -> Reply:
        """Send the conversation with ``tools`` and record the model's reply in ``history``."""
        ...

    def add_results(self, calls: Sequence[ToolCall]) -> None:
        """Append the results of ``calls`` (in the order the model asked) to ``history``."""
        ...


async def run_conversation(conversation: Conversation, registry: ToolSource, executor: ToolExecutor, *,
                           max_turns: int = DEFAULT_MAX_TURNS) -> AgentResult:
    """
    Drive ``conversation`` until the model answers without tool calls or ``max_turns`` replies.

    Raises:
        ConfigError: ``max_turns`` is below 1.
        ProviderError: the provider's SDK failed a request.
    """
    if max_turns < 1:
        raise ConfigError(f"max_turns must be at least 1, not {max_turns}", source=conversation.provider)
    done: list[ToolCall] = []
    reply = Reply("", (), None)
    for turn in range(1, max_turns + 1):
        snapshot = registry.snapshot
        reply = await _ask(conversation, snapshot.rendered(conversation.provider), turn)
        if not reply.calls:
            return _result(conversation, reply, turn, done, "answer")
        if turn == max_turns:
            break
        calls = await carry_out(reply.calls, registry, executor, snapshot, conversation.provider, turn)
        conversation.add_results(calls)
        done.extend(calls)
    return _result(conversation, reply, max_turns, done, "turn_limit", pending=reply.calls)


async def carry_out(calls: Sequence[PendingCall], registry: ToolSource, executor: ToolExecutor,
                    offered: Snapshot, provider: str, turn: int) -> list[ToolCall]:
    """Carry out ``calls`` concurrently; results come back in the order of ``calls``."""
    tools = offered_tools(offered, provider)
    return list(await asyncio.gather(*(_call(c, tools, registry, executor, turn) for c in calls)))


def offered_tools(snapshot: Snapshot, provider: str) -> dict[str, RegisteredTool]:
    """The tools ``snapshot`` offers ``provider``, by the name the provider sees."""
    found: dict[str, RegisteredTool] = {}
    for registered in snapshot.tools.values():
        definition = registered.definitions.get(provider)
        if definition is not None:
            found[_rendered_name(definition) or registered.name] = registered
    return found


def check_extra(provider: str, extra: Mapping[str, Any], managed: Sequence[str]) -> dict[str, Any]:
    """
    The caller's extra SDK arguments, as a dict, once checked against the ones the loop sets.

    Raises:
        ConfigError: ``extra`` sets an argument the loop manages itself.
    """
    taken = sorted(set(managed) & set(extra))
    if taken:
        raise ConfigError(f"{', '.join(taken)} cannot be passed as an extra request argument: the loop sets "
                          "it itself (use the loop's own parameter)", source=provider)
    return dict(extra)


def require_sdk(module: str, extra: str) -> ModuleType:
    """
    Import a provider SDK, or say how to install it.

    Raises:
        ConfigError: the module cannot be imported.
    """
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise ConfigError(f"this agent loop needs the {module} package: pip install 'toolsync[{extra}]' ({exc})",
                          source=module) from exc


async def _ask(conversation: Conversation, tools: Rendered, turn: int) -> Reply:
    try:
        return await conversation.ask(tools)
    except ToolsyncError:
        raise
    except Exception as exc:  # the SDK's own errors (status, network, decoding) end up here, chained
        raise ProviderError(f"the request of turn {turn} failed: {type(exc).__name__}: {exc}",
                            source=conversation.provider, details={"turn": turn}) from exc


def _result(conversation: Conversation, reply: Reply, turns: int, done: list[ToolCall], stopped_by: StoppedBy,
            pending: tuple[PendingCall, ...] = ()) -> AgentResult:
    return AgentResult(text=reply.text, turns=turns, tool_calls=tuple(done), stopped_by=stopped_by,
                       history=conversation.history, response=reply.response, pending=pending)


async def _call(call: PendingCall, tools: Mapping[str, RegisteredTool], registry: ToolSource,
                executor: ToolExecutor, turn: int) -> ToolCall:
    registered = tools.get(call.name)
    decoded = _decode(call.arguments)
    if registered is None:
        result = _unknown(call.name, tools)
    elif isinstance(decoded, ToolResult):
        result = decoded
    else:
        result = await _execute(registered.tool, decoded, registry, executor)
    log.debug("tool call %s (turn %d): %s", call.name, turn, "ok" if result.ok else (result.error or {}).get("type"))
    arguments = call.arguments if isinstance(decoded, ToolResult) else decoded
    return ToolCall(call.id, call.name, arguments, result, turn)


async def _execute(tool: Tool, arguments: Mapping[str, Any], registry: ToolSource,
                   executor: ToolExecutor) -> ToolResult:
    current = registry.snapshot.get(tool.name)
    changed = check_current(tool, current.tool if current is not None else None)
    if changed is not None:
        return changed
    try:
        return await executor.call(tool, neutral_arguments(tool, arguments))
    except ToolsyncError as exc:  # an executor is meant to answer with results; a stand-in may raise
        return ToolResult.failure(ErrorType.UPSTREAM_ERROR, str(exc), tool=tool.name)


def _decode(arguments: Any) -> Mapping[str, Any] | ToolResult:
    """The call's arguments as a mapping, or an ``invalid_arguments`` result saying what is wrong."""
    value = arguments
    if isinstance(arguments, str | bytes):
        if not arguments.strip():
            return {}
        try:
            value = orjson.loads(arguments)
        except orjson.JSONDecodeError as exc:
            return ToolResult.failure(ErrorType.INVALID_ARGUMENTS,
                                      f"the arguments are not valid JSON ({exc}); send one JSON object")
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        return ToolResult.failure(ErrorType.INVALID_ARGUMENTS,
                                  f"the arguments must be a JSON object, not {_kind(value)}")
    return value


def _unknown(name: str, tools: Mapping[str, RegisteredTool]) -> ToolResult:
    close = difflib.get_close_matches(name, list(tools), n=3)
    hint = f"; did you mean {', '.join(repr(n) for n in close)}?" if close else "; call one of the tools offered"
    message = f"there is no tool named {name!r}{hint}"
    return ToolResult(ok=False, text=message, error={"type": UNKNOWN_TOOL, "message": message, "tool": name})


def _rendered_name(definition: Mapping[str, Any]) -> str | None:
    # Chat Completions nests the function; the other providers keep the name at the top.
    function = definition.get("function")
    name = function.get("name") if isinstance(function, Mapping) else definition.get("name")
    return name if isinstance(name, str) else None


def _kind(value: Any) -> str:
    names = {list: "an array", str: "a string", bool: "a boolean", int: "a number", float: "a number"}
    return next((text for kind, text in names.items() if isinstance(value, kind)), type(value).__name__)
