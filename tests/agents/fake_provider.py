"""
A scripted model provider on 127.0.0.1 for the agent loop tests.

It serves the paths the real SDKs call::

    POST /v1/responses                               openai  (Responses)
    POST /v1/chat/completions                        openai  (Chat Completions)
    POST /v1/messages                                anthropic
    POST /{version}/models/{model}:generateContent   google-genai (v1 by default, v1beta when asked)

Every request is recorded, then answered by the next step of the script: a function from the
:class:`Recorded` request to the reply's JSON (or a starlette ``Response``). A step that raises,
or a request with no step left, is answered with a 500 and kept in :attr:`FakeProvider.errors`.

Each :class:`Dialect` knows one API's wire format: how to write a reply that asks for tool calls
or answers with text, and how to read the offered tools and the tool results out of a request.
"""

from __future__ import annotations

import threading
import time
import traceback
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

__all__ = ["ANTHROPIC", "CHAT", "DIALECTS", "GEMINI", "RESPONSES", "Call", "Dialect", "FakeProvider",
           "Recorded", "SentResult", "serve_provider"]


@dataclass(frozen=True)
class Recorded:
    """One request as the fake provider received it."""

    path: str
    body: dict[str, Any]
    headers: Mapping[str, str]


@dataclass(frozen=True)
class Call:
    """A tool call a scripted reply asks for; ``arguments`` may be a raw string (sent as is)."""

    name: str
    arguments: Any
    id: str = ""


@dataclass(frozen=True)
class SentResult:
    """A tool result the loop sent back, read from a request."""

    id: str
    name: str | None
    text: str
    is_error: bool


Step = Callable[[Recorded], Any]


class Dialect(ABC):
    """One provider API's wire format."""

    name = ""

    @abstractmethod
    def ask(self, *calls: Call, text: str = "") -> dict[str, Any]:
        """A reply asking for ``calls`` (ids default to ``call_<n>``)."""

    @abstractmethod
    def answer(self, text: str) -> dict[str, Any]:
        """A final reply with only ``text``."""

    @abstractmethod
    def tools(self, body: Mapping[str, Any]) -> list[Any]:
        """The tool definitions a request offered."""

    @abstractmethod
    def results(self, body: Mapping[str, Any]) -> list[SentResult]:
        """Every tool result a request carries, oldest first."""

    def tool_names(self, body: Mapping[str, Any]) -> list[str]:
        return [self.name_of(tool) for tool in self.tools(body)]

    def name_of(self, tool: Mapping[str, Any]) -> str:
        return str(tool["name"])

    def echo_results(self, request: Recorded) -> dict[str, Any]:
        """A step answering with every tool result it received, one per line."""
        lines = [f"{r.name or r.id}: {'error ' if r.is_error else ''}{r.text}" for r in self.results(request.body)]
        return self.answer("\n".join(lines))


def _ids(calls: Sequence[Call]) -> list[str]:
    return [call.id or f"call_{n}" for n, call in enumerate(calls, 1)]


def _json_text(value: Any) -> str:
    return value if isinstance(value, str) else orjson.dumps(value).decode()


class _Responses(Dialect):
    name = "openai"

    def ask(self, *calls: Call, text: str = "") -> dict[str, Any]:
        output: list[dict[str, Any]] = [
            {"type": "function_call", "id": f"fc_{n}", "call_id": call_id, "name": call.name,
             "arguments": _json_text(call.arguments), "status": "completed"}
            for n, (call, call_id) in enumerate(zip(calls, _ids(calls), strict=True))]
        if text:
            output.insert(0, self._message(text))
        return self._response(output)

    def answer(self, text: str) -> dict[str, Any]:
        return self._response([self._message(text)])

    def tools(self, body: Mapping[str, Any]) -> list[Any]:
        return list(body.get("tools", []))

    def results(self, body: Mapping[str, Any]) -> list[SentResult]:
        names = {i["call_id"]: i["name"] for i in body["input"] if i.get("type") == "function_call"}
        return [SentResult(i["call_id"], names.get(i["call_id"]), i["output"], '{"error"' in i["output"])
                for i in body["input"] if i.get("type") == "function_call_output"]

    @staticmethod
    def _message(text: str) -> dict[str, Any]:
        return {"type": "message", "id": "msg_1", "role": "assistant", "status": "completed",
                "content": [{"type": "output_text", "text": text, "annotations": []}]}

    @staticmethod
    def _response(output: list[dict[str, Any]]) -> dict[str, Any]:
        return {"id": "resp_1", "object": "response", "created_at": 0, "model": "fake-model", "status": "completed",
                "output": output, "parallel_tool_calls": True, "tool_choice": "auto", "tools": []}


class _Chat(Dialect):
    name = "openai-chat"

    def ask(self, *calls: Call, text: str = "") -> dict[str, Any]:
        tool_calls = [{"id": call_id, "type": "function",
                       "function": {"name": call.name, "arguments": _json_text(call.arguments)}}
                      for call, call_id in zip(calls, _ids(calls), strict=True)]
        message = {"role": "assistant", "content": text or None, "tool_calls": tool_calls}
        return self._completion(message, "tool_calls")

    def answer(self, text: str) -> dict[str, Any]:
        return self._completion({"role": "assistant", "content": text}, "stop")

    def tools(self, body: Mapping[str, Any]) -> list[Any]:
        return list(body.get("tools", []))

    def name_of(self, tool: Mapping[str, Any]) -> str:
        return str(tool["function"]["name"])

    def results(self, body: Mapping[str, Any]) -> list[SentResult]:
        names = {c["id"]: c["function"]["name"] for m in body["messages"] for c in m.get("tool_calls", [])}
        return [SentResult(m["tool_call_id"], names.get(m["tool_call_id"]), m["content"], '{"error"' in m["content"])
                for m in body["messages"] if m.get("role") == "tool"]

    @staticmethod
    def _completion(message: dict[str, Any], finish: str) -> dict[str, Any]:
        return {"id": "chatcmpl-1", "object": "chat.completion", "created": 0, "model": "fake-model",
                "choices": [{"index": 0, "finish_reason": finish, "message": message}]}


class _Anthropic(Dialect):
    name = "anthropic"

    def ask(self, *calls: Call, text: str = "") -> dict[str, Any]:
        content: list[dict[str, Any]] = [{"type": "text", "text": text}] if text else []
        content.extend({"type": "tool_use", "id": call_id, "name": call.name, "input": call.arguments}
                       for call, call_id in zip(calls, _ids(calls), strict=True))
        return self._message(content, "tool_use")

    def answer(self, text: str) -> dict[str, Any]:
        return self._message([{"type": "text", "text": text}], "end_turn")

    def tools(self, body: Mapping[str, Any]) -> list[Any]:
        return list(body.get("tools", []))

    def results(self, body: Mapping[str, Any]) -> list[SentResult]:
        blocks = [b for m in body["messages"] if isinstance(m["content"], list) for b in m["content"]]
        names = {b["id"]: b["name"] for b in blocks if b.get("type") == "tool_use"}
        return [SentResult(b["tool_use_id"], names.get(b["tool_use_id"]), b["content"], bool(b.get("is_error")))
                for b in blocks if b.get("type") == "tool_result"]

    @staticmethod
    def _message(content: list[dict[str, Any]], stop: str) -> dict[str, Any]:
        return {"id": "msg_1", "type": "message", "role": "assistant", "model": "fake-model", "content": content,
                "stop_reason": stop, "stop_sequence": None, "usage": {"input_tokens": 1, "output_tokens": 1}}


class _Gemini(Dialect):
    name = "gemini"

    def ask(self, *calls: Call, text: str = "") -> dict[str, Any]:
        parts: list[dict[str, Any]] = [{"text": text}] if text else []
        parts.extend({"functionCall": {"id": call_id, "name": call.name, "args": call.arguments}}
                     for call, call_id in zip(calls, _ids(calls), strict=True))
        return self._response(parts)

    def answer(self, text: str) -> dict[str, Any]:
        return self._response([{"text": text}])

    def tools(self, body: Mapping[str, Any]) -> list[Any]:
        return [d for tool in body.get("tools", []) for d in tool.get("functionDeclarations", [])]

    def results(self, body: Mapping[str, Any]) -> list[SentResult]:
        found = [p["functionResponse"] for c in body["contents"] for p in c.get("parts", []) if "functionResponse" in p]
        return [SentResult(r.get("id", ""), r["name"], _json_text(r["response"]), "error" in r["response"])
                for r in found]

    @staticmethod
    def _response(parts: list[dict[str, Any]]) -> dict[str, Any]:
        return {"candidates": [{"content": {"role": "model", "parts": parts}, "finishReason": "STOP", "index": 0}],
                "modelVersion": "fake-model"}


RESPONSES, CHAT, ANTHROPIC, GEMINI = _Responses(), _Chat(), _Anthropic(), _Gemini()
DIALECTS: dict[str, Dialect] = {d.name: d for d in (RESPONSES, CHAT, ANTHROPIC, GEMINI)}


@dataclass
class FakeProvider:
    """The running fake: its base URL, the requests it got, and the script it follows."""

    url: str = ""
    requests: list[Recorded] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    _steps: deque[Step] = field(default_factory=deque)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def script(self, *steps: Step) -> None:
        """Answer the next requests with ``steps``, in order (after any steps still queued)."""
        with self._lock:
            self._steps.extend(steps)

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()
            self.errors.clear()
            self._steps.clear()

    def bodies(self) -> list[dict[str, Any]]:
        return [r.body for r in self.requests]

    async def _handle(self, request: Request) -> Response:
        recorded = Recorded(request.url.path, orjson.loads(await request.body()), dict(request.headers))
        with self._lock:
            self.requests.append(recorded)
            step = self._steps.popleft() if self._steps else None
        if step is None:
            return self._fail(f"no scripted reply left for request {len(self.requests)} ({recorded.path})")
        try:
            reply = step(recorded)
        except Exception:  # noqa: BLE001 - a failed step is reported to the test, not lost in the server thread
            return self._fail(traceback.format_exc())
        return reply if isinstance(reply, Response) else JSONResponse(reply)

    def _fail(self, message: str) -> Response:
        self.errors.append(message)
        return JSONResponse({"error": {"type": "fake_provider", "message": message}}, status_code=500)

    def app(self) -> Starlette:
        paths = ("/v1/responses", "/v1/chat/completions", "/v1/messages", "/{version}/models/{model}:generateContent")
        return Starlette(routes=[Route(path, self._handle, methods=["POST"]) for path in paths])


def serve_provider() -> Iterator[FakeProvider]:
    """Run a fake provider in a background thread until the generator is closed."""
    fake = FakeProvider()
    config = uvicorn.Config(fake.app(), host="127.0.0.1", port=0, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="fake-provider", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the fake provider did not start")
        time.sleep(0.01)
    fake.url = f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
    try:
        yield fake
    finally:
        server.should_exit = True
        thread.join(timeout=10)
