"""
Neutral tools rendered for each provider.

:data:`FORMATTERS` maps a provider to its formatter, one pure function per module:
``openai`` (Responses) and ``openai-chat`` (Chat Completions) in :mod:`.openai`,
``anthropic``, ``gemini`` and ``mcp`` in their own modules. :func:`render` renders one tool,
:func:`render_all` many (sharing the memoized schema rewrites between them),
:func:`render_providers` many for several providers.
:func:`neutral_arguments` turns a model's arguments back into neutral form before execution.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from ..convert.options import ToolOptions
from ..convert.walk import MALFORMED
from ..errors import ConfigError, ConversionError
from ..ir import Diagnostic, Severity
from ..tool import Tool
from ._model import Formatter, RenderContext, Rendered
from .anthropic import render_anthropic
from .arguments import neutral_arguments
from .gemini import render_gemini
from .mcp import render_mcp
from .openai import render_openai, render_openai_chat

__all__ = [
    "FORMATTERS",
    "PROVIDERS",
    "Formatter",
    "RenderContext",
    "Rendered",
    "get_formatter",
    "neutral_arguments",
    "render",
    "render_all",
    "render_providers",
]

PROVIDERS: tuple[str, ...] = ("openai", "openai-chat", "anthropic", "gemini", "mcp")
FORMATTERS: dict[str, Formatter] = {
    "openai": render_openai,
    "openai-chat": render_openai_chat,
    "anthropic": render_anthropic,
    "gemini": render_gemini,
    "mcp": render_mcp,
}


def get_formatter(provider: str) -> Formatter:
    """
    The formatter of ``provider``.

    Raises:
        ConfigError: the provider is not one of :data:`PROVIDERS`.
    """
    try:
        return FORMATTERS[provider]
    except KeyError:
        raise ConfigError(f"unknown provider {provider!r}; choose one of {', '.join(PROVIDERS)}") from None


def render(tool: Tool, provider: str, options: ToolOptions | None = None, *,
           context: RenderContext | None = None) -> Rendered:
    """
    ``tool`` as ``provider`` receives it.

    Passing the ``context`` of earlier calls shares their memos (its options win over ``options``).

    Raises:
        ConfigError: unknown provider.
        ConversionError: the rendering would lose an argument, or a schema cannot be converted.
    """
    return _render(get_formatter(provider), tool, context or RenderContext(options or ToolOptions()), provider)


def _render(formatter: Formatter, tool: Tool, ctx: RenderContext, provider: str) -> Rendered:
    try:
        return formatter(tool, ctx)
    except MALFORMED as exc:
        raise ConversionError(f"the tool's schema is malformed for {provider} ({type(exc).__name__}: {exc})",
                              source=tool.name) from exc


def render_all(
    tools: Iterable[Tool],
    provider: str,
    options: ToolOptions | None = None,
    *,
    skipped: list[Diagnostic] | None = None,
    context: RenderContext | None = None,
) -> list[Rendered]:
    """
    Every tool as ``provider`` receives it, in order.

    A tool that cannot be rendered raises ``ConversionError``, unless ``skipped`` is given: then
    it is left out and a diagnostic saying why is appended there. Passing one ``context`` to
    several calls shares their memos (``openai`` and ``openai-chat`` then convert each schema once);
    its options win over ``options``.

    Example:
        >>> [r.definition["name"] for r in render_all(build.tools, "anthropic")]
        ['shop_addPet', 'shop_getPetById']
    """
    formatter = get_formatter(provider)
    ctx = context or RenderContext(options or ToolOptions())
    out: list[Rendered] = []
    for tool in tools:
        try:
            out.append(_render(formatter, tool, ctx, provider))
        except ConversionError as exc:
            if skipped is None:
                raise
            skipped.append(Diagnostic("render.skipped", f"tool {tool.name!r} is not offered to {provider}: "
                                      f"{exc.message}", Severity.WARNING, source=tool.spec_name))
    return out


def render_providers(
    tools: Sequence[Tool],
    providers: Iterable[str] = PROVIDERS,
    options: ToolOptions | None = None,
    *,
    skipped: list[Diagnostic] | None = None,
) -> dict[str, list[Rendered]]:
    """
    :func:`render_all` for several providers at once, sharing one :class:`RenderContext`.

    Example:
        >>> sorted(render_providers(build.tools))
        ['anthropic', 'gemini', 'mcp', 'openai', 'openai-chat']
    """
    context = RenderContext(options or ToolOptions())
    return {p: render_all(tools, p, skipped=skipped, context=context) for p in providers}
