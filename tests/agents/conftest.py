"""
Fixtures for the agent loop tests: the upstream API, a registry over its spec, an executor, the
fake provider, and one driver per provider that runs a loop with the real SDK client.
"""

from __future__ import annotations

import copy
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anthropic
import openai
import pytest
from google import genai
from google.genai import types

from tests.upstream.app import OPENAPI
from tests.upstream.fixtures import upstream, upstream_url
from toolsync.agents import (
    AgentResult,
    ToolExecutor,
    run_anthropic,
    run_gemini,
    run_openai_chat,
    run_openai_responses,
)
from toolsync.config import SpecConfig
from toolsync.execute import ExecutionConfig, Executor
from toolsync.pipeline import CompiledSpec, compile_spec
from toolsync.registry import Registry, Snapshot

from .fake_provider import ANTHROPIC, CHAT, GEMINI, RESPONSES, Dialect, FakeProvider, serve_provider

__all__ = ["upstream", "upstream_url"]

MODEL = "fake-model"
API_KEY = "test-key"


@pytest.fixture(scope="session")
def provider_server() -> Iterator[FakeProvider]:
    """The fake provider, shared by the session."""
    yield from serve_provider()


@pytest.fixture
def fake(provider_server: FakeProvider) -> Iterator[FakeProvider]:
    """The fake provider with an empty script; a test must not leave a step failing."""
    provider_server.reset()
    yield provider_server
    assert not provider_server.errors, provider_server.errors[0]
    provider_server.reset()


def write_spec(path: Path, document: dict[str, Any]) -> Path:
    path.write_text(json.dumps(document))
    return path


@pytest.fixture(scope="session")
def pets_spec(tmp_path_factory: pytest.TempPathFactory, upstream_url: str) -> CompiledSpec:
    """The upstream API's spec, compiled once for the session (spec ``pets``)."""
    path = write_spec(tmp_path_factory.mktemp("agents") / "pets.json", copy.deepcopy(OPENAPI))
    return compile_spec(SpecConfig(source=str(path), name="pets", server_url=upstream_url))


@pytest.fixture
def registry(pets_spec: CompiledSpec) -> Iterator[Registry]:
    """A registry serving the upstream API's tools."""
    with Registry() as reg:
        reg.apply(pets_spec)
        yield reg


@pytest.fixture
async def executor(upstream_url: str) -> AsyncIterator[Executor]:
    """An executor sending calls to the upstream API on loopback."""
    async with Executor(ExecutionConfig(server_url=upstream_url, allow_private=True, max_retries=0)) as ex:
        yield ex


Runner = Callable[..., Awaitable[AgentResult]]


@dataclass(frozen=True)
class Driver:
    """Runs one provider's loop against the fake provider with the provider's real SDK client."""

    dialect: Dialect
    runner: Runner

    @property
    def name(self) -> str:
        return self.dialect.name

    async def run(self, fake: FakeProvider, registry: Any, executor: ToolExecutor, prompt: Any = "Hello",
                  **options: Any) -> AgentResult:
        return await self.runner(fake.url, registry, executor, prompt, **options)

    def expected_tools(self, snapshot: Snapshot) -> list[Any]:
        """The tools as the request should carry them: the snapshot's rendered definitions."""
        return json.loads(json.dumps(list(snapshot.rendered(self.name))))

    def sent_tools(self, body: dict[str, Any]) -> list[Any]:
        """The tools a request offered, in the rendered form (google-genai writes snake_case keys)."""
        tools = self.dialect.tools(body)
        return [_camel_schema(t) for t in tools] if self.dialect is GEMINI else tools


def _camel_schema(node: Any, *, names: bool = False) -> Any:
    """``node`` with snake_case keys in camelCase; the keys of a ``properties`` map are names and stay."""
    if isinstance(node, list):
        return [_camel_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        head, *rest = key.split("_")
        name = key if names else head + "".join(part.title() for part in rest)
        out[name] = _camel_schema(value, names=key == "properties" and not names)
    return out


async def _responses(url: str, registry: Any, executor: ToolExecutor, prompt: Any, **options: Any) -> AgentResult:
    async with openai.AsyncOpenAI(base_url=f"{url}/v1", api_key=API_KEY, max_retries=0) as client:
        return await run_openai_responses(client, registry, executor, model=MODEL, input=prompt, **options)


async def _chat(url: str, registry: Any, executor: ToolExecutor, prompt: Any, **options: Any) -> AgentResult:
    async with openai.AsyncOpenAI(base_url=f"{url}/v1", api_key=API_KEY, max_retries=0) as client:
        return await run_openai_chat(client, registry, executor, model=MODEL, messages=prompt, **options)


async def _anthropic(url: str, registry: Any, executor: ToolExecutor, prompt: Any, **options: Any) -> AgentResult:
    async with anthropic.AsyncAnthropic(base_url=url, api_key=API_KEY, max_retries=0) as client:
        return await run_anthropic(client, registry, executor, model=MODEL, max_tokens=256, messages=prompt,
                                   **options)


async def _gemini(url: str, registry: Any, executor: ToolExecutor, prompt: Any, **options: Any) -> AgentResult:
    client = genai.Client(api_key=API_KEY, http_options=types.HttpOptions(base_url=url, api_version="v1beta"))
    try:
        return await run_gemini(client, registry, executor, model=MODEL, contents=prompt, **options)
    finally:
        await client.aio.aclose()
        client.close()


DRIVERS = {d.name: d for d in (Driver(RESPONSES, _responses), Driver(CHAT, _chat), Driver(ANTHROPIC, _anthropic),
                               Driver(GEMINI, _gemini))}


@pytest.fixture(params=list(DRIVERS))
def driver(request: pytest.FixtureRequest) -> Driver:
    """Each provider's loop in turn."""
    return DRIVERS[request.param]
