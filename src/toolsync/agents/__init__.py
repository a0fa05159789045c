"""
Agent loops: ask a model with the registry's current tools, carry out its tool calls, send the
results back, until it answers.

One function per provider API, each taking the SDK's own async client:

- :func:`run_openai_responses`: OpenAI Responses (``openai.AsyncOpenAI``)
- :func:`run_openai_chat`: OpenAI Chat Completions (``openai.AsyncOpenAI``)
- :func:`run_anthropic`: Anthropic Messages (``anthropic.AsyncAnthropic``)
- :func:`run_gemini`: Google Gemini (``google.genai.Client``)

The SDKs are optional (``pip install 'toolsync[openai]'``, ``[anthropic]``, ``[gemini]``) and
imported only when a loop runs.

Example::

    registry = Registry()
    registry.load(SpecConfig(source="petstore.yaml", server_url="https://petstore.example.com"))
    async with Executor(ExecutionConfig(server_url="https://petstore.example.com")) as executor:
        result = await run_anthropic(AsyncAnthropic(), registry, executor, model="claude-sonnet-4-5",
                                     max_tokens=1024, messages="Which pets are available?")
    print(result.text, result.stopped_by, [call.name for call in result.tool_calls])
"""

from __future__ import annotations

from .anthropic import AnthropicConversation, run_anthropic
from .base import (
    DEFAULT_MAX_TURNS,
    UNKNOWN_TOOL,
    AgentResult,
    Conversation,
    PendingCall,
    ProviderError,
    Reply,
    StoppedBy,
    ToolCall,
    ToolExecutor,
    ToolSource,
    run_conversation,
)
from .gemini import GeminiConversation, run_gemini
from .openai_chat import OpenAIChatConversation, run_openai_chat
from .openai_responses import OpenAIResponsesConversation, run_openai_responses

__all__ = [
    "DEFAULT_MAX_TURNS",
    "UNKNOWN_TOOL",
    "AgentResult",
    "AnthropicConversation",
    "Conversation",
    "GeminiConversation",
    "OpenAIChatConversation",
    "OpenAIResponsesConversation",
    "PendingCall",
    "ProviderError",
    "Reply",
    "StoppedBy",
    "ToolCall",
    "ToolExecutor",
    "ToolSource",
    "run_anthropic",
    "run_conversation",
    "run_gemini",
    "run_openai_chat",
    "run_openai_responses",
]
