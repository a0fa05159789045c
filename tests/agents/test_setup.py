"""What the loops pass to the SDKs, what they refuse, and how a missing SDK is reported."""

from __future__ import annotations

import inspect
import subprocess
import sys
from typing import Any

import pytest
from google.genai import types

from toolsync import agents
from toolsync.agents import run_anthropic, run_gemini, run_openai_chat, run_openai_responses
from toolsync.errors import ConfigError
from toolsync.execute import Executor
from toolsync.registry import Registry

from .conftest import DRIVERS, Driver
from .fake_provider import FakeProvider


@pytest.mark.parametrize(("module", "extra", "run"), [
    ("openai", "openai", lambda r, e: run_openai_responses(object(), r, e, model="m", input="hi")),  # type: ignore[arg-type]
    ("openai", "openai", lambda r, e: run_openai_chat(object(), r, e, model="m", messages="hi")),  # type: ignore[arg-type]
    ("anthropic", "anthropic", lambda r, e: run_anthropic(object(), r, e, model="m", messages="hi",  # type: ignore[arg-type]
                                                          max_tokens=10)),
    ("google.genai.types", "gemini", lambda r, e: run_gemini(object(), r, e, model="m", contents="hi")),  # type: ignore[arg-type]
])
async def test_missing_sdk_says_which_extra_to_install(module: str, extra: str, run: Any, registry: Registry,
                                                       executor: Executor, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without the provider's SDK the loop raises a ConfigError naming the pip extra."""
    monkeypatch.setitem(sys.modules, module, None)
    with pytest.raises(ConfigError, match=rf"pip install 'toolsync\[{extra}\]'"):
        await run(registry, executor)


@pytest.mark.parametrize(("name", "options", "expected"), [
    ("openai", {"instructions": "Be brief", "store": False}, {"instructions": "Be brief", "store": False}),
    ("openai-chat", {"temperature": 0.0}, {"temperature": 0.0}),
    ("anthropic", {"system": "Be brief"}, {"system": "Be brief"}),
    ("gemini", {"config": types.GenerateContentConfig(system_instruction="Be brief")},
     {"systemInstruction": {"parts": [{"text": "Be brief"}], "role": "user"}}),
])
async def test_extra_arguments_reach_the_request(name: str, options: dict[str, Any], expected: dict[str, Any],
                                                 fake: FakeProvider, registry: Registry, executor: Executor) -> None:
    """Arguments the loop does not manage are passed through to the SDK call unchanged."""
    driver = DRIVERS[name]
    fake.script(lambda r: driver.dialect.answer("ok"))
    await driver.run(fake, registry, executor, **options)
    body = fake.requests[0].body
    assert {key: body.get(key) for key in expected} == expected
    assert body["model"] if name != "gemini" else fake.requests[0].path == "/v1beta/models/fake-model:generateContent"


@pytest.mark.parametrize(("name", "managed"), [
    ("openai", {"tools": []}), ("openai-chat", {"tools": []}), ("anthropic", {"tools": []})])
async def test_managed_arguments_are_refused(name: str, managed: dict[str, Any], fake: FakeProvider,
                                            registry: Registry, executor: Executor) -> None:
    """An extra argument the loop sets itself (tools) is a ConfigError, not a silent override."""
    with pytest.raises(ConfigError, match=next(iter(managed))):
        await DRIVERS[name].run(fake, registry, executor, **managed)
    assert fake.requests == []


async def test_gemini_keeps_the_callers_tools(fake: FakeProvider, registry: Registry, executor: Executor) -> None:
    """Tools already in the Gemini config stay, and the registry's declarations are added after them."""
    search = types.Tool(google_search=types.GoogleSearch())
    fake.script(lambda r: DRIVERS["gemini"].dialect.answer("ok"))
    await DRIVERS["gemini"].run(fake, registry, executor, config=types.GenerateContentConfig(tools=[search]))
    tools = fake.requests[0].body["tools"]
    assert "googleSearch" in tools[0] and len(tools[1]["functionDeclarations"]) == len(registry.snapshot.tools)


async def test_empty_registry_sends_no_tools(driver: Driver, fake: FakeProvider, executor: Executor) -> None:
    """With no tools registered the request carries no tools list at all (an empty one is refused upstream)."""
    fake.script(lambda r: driver.dialect.answer("nothing to call"))
    with Registry() as empty:
        result = await driver.run(fake, empty, executor)
    assert "tools" not in fake.requests[0].body and result.text == "nothing to call"


def test_importing_the_loops_imports_no_sdk() -> None:
    """toolsync.agents (and the CLI) import without pulling in any provider SDK."""
    code = ("import sys, toolsync.agents, toolsync.cli; "
            "print([m for m in ('openai', 'anthropic', 'google.genai') if m in sys.modules])")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert done.stdout.strip() == "[]"


def test_public_names_are_listed() -> None:
    """``toolsync.agents.__all__`` lists every public name it defines, sorted."""
    names = [n for n, v in vars(agents).items() if not n.startswith("_") and not inspect.ismodule(v)
             and n != "annotations"]
    # Constants, then classes, then functions: the order ruff keeps __all__ in.
    assert agents.__all__ == sorted(names, key=lambda n: (0 if n.isupper() else 1 if n[0].isupper() else 2, n))
