"""
An OpenAI model using the tools of a live API, kept in sync by toolsync.

    export OPENAI_API_KEY=...
    python examples/agent_openai.py https://petstore3.swagger.io/api/v3/openapi.json "Is pet 1 available?"

Add ``--chat`` to use Chat Completions instead of the Responses API. ``--server-url`` sends the
calls somewhere else than the spec's servers (a relative server such as ``/api/v3`` is resolved
against the spec's URL).
"""

from __future__ import annotations

import argparse
import asyncio

from openai import AsyncOpenAI

from toolsync.agents import run_openai_chat, run_openai_responses
from toolsync.config import SpecConfig
from toolsync.execute import ExecutionConfig, Executor
from toolsync.registry import Registry


async def main(spec: str, prompt: str, model: str, server_url: str | None, chat: bool) -> None:
    with Registry() as registry:
        changes = registry.load(SpecConfig(source=spec, name="api", server_url=server_url))
        print(f"{len(changes.added)} tools from {spec}")
        config = ExecutionConfig(server_url=server_url, source_url=spec if "://" in spec else None)
        async with AsyncOpenAI() as client, Executor(config) as executor:
            if chat:
                result = await run_openai_chat(client, registry, executor, model=model, messages=prompt)
            else:
                result = await run_openai_responses(client, registry, executor, model=model, input=prompt)
    for call in result.tool_calls:
        print(f"  {call.name}({call.arguments}) -> {'ok' if call.ok else call.result.error}")
    print(f"[{result.stopped_by} after {result.turns} turns] {result.text}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("spec", help="an OpenAPI spec: file or URL")
    parser.add_argument("prompt")
    parser.add_argument("--model", default="gpt-4.1-mini")
    parser.add_argument("--server-url", help="where tool calls go (default: the spec's servers)")
    parser.add_argument("--chat", action="store_true", help="use Chat Completions")
    args = parser.parse_args()
    asyncio.run(main(args.spec, args.prompt, args.model, args.server_url, args.chat))
