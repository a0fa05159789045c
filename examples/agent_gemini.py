"""
Gemini using the tools of a live API through toolsync (automatic function calling stays off:
toolsync carries out each call itself, through its argument checks and outbound guard).

    export GEMINI_API_KEY=...
    python examples/agent_gemini.py https://petstore3.swagger.io/api/v3/openapi.json "Find pet 3"
"""

from __future__ import annotations

import argparse
import asyncio

from google import genai
from google.genai import types

from toolsync.agents import run_gemini
from toolsync.config import SpecConfig
from toolsync.execute import ExecutionConfig, Executor
from toolsync.registry import Registry


async def main(spec: str, prompt: str, model: str, server_url: str | None) -> None:
    client = genai.Client()  # reads GEMINI_API_KEY or GOOGLE_API_KEY
    config = types.GenerateContentConfig(system_instruction="Answer with the data the tools return.")
    execution = ExecutionConfig(server_url=server_url, source_url=spec if "://" in spec else None)
    try:
        with Registry() as registry:
            registry.load(SpecConfig(source=spec, name="api", server_url=server_url))
            async with Executor(execution) as executor:
                result = await run_gemini(client, registry, executor, model=model, contents=prompt, config=config)
    finally:
        await client.aio.aclose()
        client.close()
    for call in result.tool_calls:
        print(f"  {call.name}({call.arguments}) -> {'ok' if call.ok else call.result.error}")
    print(f"[{result.stopped_by} after {result.turns} turns] {result.text}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("spec", help="an OpenAPI spec: file or URL")
    parser.add_argument("prompt")
    parser.add_argument("--model", default="gemini-2.5-flash")
    parser.add_argument("--server-url", help="where tool calls go (default: the spec's servers)")
    args = parser.parse_args()
    asyncio.run(main(args.spec, args.prompt, args.model, args.server_url))
