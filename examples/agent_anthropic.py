"""
Claude using the tools of a live API, while toolsync reloads the spec whenever it changes.

    export ANTHROPIC_API_KEY=...
    python examples/agent_anthropic.py ./petstore.yaml "Which pets are sold?" --server-url http://localhost:8080/v1

The spec file is watched during the conversation: save a new endpoint into it and the model is
offered the new tool on its next turn.
"""

from __future__ import annotations

import argparse
import asyncio

from anthropic import AsyncAnthropic

from toolsync.agents import run_anthropic
from toolsync.config import SpecConfig
from toolsync.execute import ExecutionConfig, Executor
from toolsync.registry import Registry
from toolsync.reload import Watcher


async def main(spec: str, prompt: str, model: str, server_url: str | None, allow_private: bool) -> None:
    config = ExecutionConfig(server_url=server_url, allow_private=allow_private)
    with Registry() as registry:
        # The watcher loads the spec, then reloads it on every save while the conversation runs.
        async with Watcher(registry, [SpecConfig(source=spec, name="api", server_url=server_url)]), \
                AsyncAnthropic() as client, Executor(config) as executor:
            print(f"{len(registry.snapshot.tools)} tools from {spec}")
            result = await run_anthropic(client, registry, executor, model=model, max_tokens=2048,
                                         messages=prompt, system="Use the tools to answer precisely.")
    for call in result.tool_calls:
        print(f"  turn {call.turn}: {call.name}({call.arguments}) -> {'ok' if call.ok else call.result.error}")
    print(result.text)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("spec", help="an OpenAPI spec file")
    parser.add_argument("prompt")
    parser.add_argument("--model", default="claude-sonnet-4-5")
    parser.add_argument("--server-url", help="where tool calls go (default: the spec's servers)")
    parser.add_argument("--allow-private", action="store_true", help="let calls reach localhost")
    args = parser.parse_args()
    asyncio.run(main(args.spec, args.prompt, args.model, args.server_url, args.allow_private))
