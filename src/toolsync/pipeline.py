"""
The path from a spec configuration to tools ready to register, as plain typed steps::

    load (toolsync.spec) → select operations (SpecConfig include/exclude) → spec gate (lenient)
      → build tools (toolsync.convert; unchanged operations reuse the previous Tool)
      → render each tool for every provider once (toolsync.formats)
      → tool gate per provider (toolsync.gates; invalid definitions skipped with a warning)

The result, a :class:`CompiledSpec`, is what :meth:`toolsync.registry.Registry.apply` commits.
Nothing here touches the registry: compiling can run in any thread, and a failure raises before
anything is registered.

Example:
    >>> compiled = compile_spec(SpecConfig(source="petstore.yaml"))  # doctest: +SKIP
    >>> sorted(compiled.tools)  # doctest: +SKIP
    ['createPet', 'getPet', 'listPets']
"""

from __future__ import annotations

import asyncio
import dataclasses
import fnmatch
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Literal

from .config import SpecConfig
from .errors import ToolValidationError
from .ir import Diagnostic, Operation, Severity, Spec
from .tool import Tool

if TYPE_CHECKING:
    from .convert import ToolOptions
    from .formats import RenderContext
    from .spec.sources import SourceBytes

__all__ = [
    "CompiledSpec",
    "GatePolicy",
    "acompile_spec",
    "compile_bytes",
    "compile_from_spec",
    "compile_spec",
    "render_definitions",
    "select_operations",
]

GatePolicy = Literal["skip", "fail"]
#: Seconds the spec gate's validator may spend on a first compile, and on a recompile (where only the
#: changed part is checked). In lenient mode the validator only adds warnings.
SPEC_GATE_BUDGET = 5.0
SPEC_GATE_RELOAD_BUDGET = 1.0
#: openapi-spec-validator runs only on specs with at most this many path items and component entries:
#: it takes 5-20 ms per entry (seconds on a large spec) and in lenient mode only adds warnings. Larger
#: specs get toolsync's structural checks alone, which decide every error; ``toolsync validate`` runs
#: the validator on any spec.
VALIDATOR_MAX_ENTRIES = 50
Definitions = Mapping[str, Mapping[str, Any]]


@dataclass(frozen=True, slots=True, eq=False)
class CompiledSpec:
    """
    One spec turned into tools, not yet registered.

    ``tools`` maps tool name → Tool; ``rendered`` maps provider → tool name → definition (a tool a
    provider's gate rejected is missing there, and listed in ``skipped``). Treat every mapping
    as read-only.
    """

    config: SpecConfig
    spec: Spec
    tools: Mapping[str, Tool]
    rendered: Mapping[str, Mapping[str, Mapping[str, Any]]]
    diagnostics: tuple[Diagnostic, ...] = ()
    skipped: tuple[Diagnostic, ...] = ()
    options: ToolOptions | None = None
    _by_operation: dict[str, Tool] = field(default_factory=dict, repr=False)

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def fingerprint(self) -> str:
        return self.spec.fingerprint

    def definitions(self, tool_name: str) -> dict[str, Mapping[str, Any]]:
        """The rendered definitions of one tool, by provider."""
        return {p: defs[tool_name] for p, defs in self.rendered.items() if tool_name in defs}

    def by_operation(self) -> Mapping[str, Tool]:
        """Tools by operation key (``"GET /pets"``): what the next compile may reuse."""
        if not self._by_operation and self.tools:
            self._by_operation.update((t.operation_key, t) for t in self.tools.values())
        return self._by_operation


def compile_spec(config: SpecConfig, *, previous: CompiledSpec | None = None,
                 options: ToolOptions | None = None, gate_policy: GatePolicy = "skip") -> CompiledSpec:
    """
    Load the spec ``config`` names and turn it into gated, rendered tools.

    Args:
        previous: the last compile of the same spec; operations that did not change reuse its tools
            and rendered definitions, so a one-operation change converts one operation.
        options: tool building options (``config.namespace`` wins over ``options.namespace``).
        gate_policy: ``skip`` drops a definition a provider would reject (with a diagnostic);
            ``fail`` raises ``ToolValidationError`` instead.

    Raises:
        SourceError, SpecError: the spec cannot be read or is not usable (spec gate errors included).
        ToolValidationError: with ``gate_policy="fail"``, a tool a provider rejects.
    """
    from .spec.build import gc_paused
    from .spec.loader import load_spec

    # One pause for loading and compiling: the collector then looks at what survived once, not twice.
    with gc_paused():
        spec = load_spec(config.source, name=config.name, limits=config.limits, fetch=config.fetch,
                         on_unresolved_ref=config.on_unresolved_ref)
        return compile_from_spec(spec, config, previous=previous, options=options, gate_policy=gate_policy)


async def acompile_spec(config: SpecConfig, *, previous: CompiledSpec | None = None,
                        options: ToolOptions | None = None, gate_policy: GatePolicy = "skip") -> CompiledSpec:
    """The asyncio twin of :func:`compile_spec`: fetching on the loop, CPU work in a thread."""
    from .spec.loader import aload_spec

    spec = await aload_spec(config.source, name=config.name, limits=config.limits, fetch=config.fetch,
                            on_unresolved_ref=config.on_unresolved_ref)
    return await asyncio.to_thread(compile_from_spec, spec, config, previous=previous, options=options,
                                   gate_policy=gate_policy)


def compile_bytes(payload: SourceBytes, config: SpecConfig, *, previous: CompiledSpec | None = None,
                  options: ToolOptions | None = None, gate_policy: GatePolicy = "skip") -> CompiledSpec:
    """The pipeline on bytes already read from ``config.source`` (a poller's conditional GET, a webhook)."""
    from .spec.build import gc_paused
    from .spec.loader import load_bytes

    with gc_paused():
        spec = load_bytes(payload, source=config.source, name=config.name, limits=config.limits,
                          fetch=config.fetch, on_unresolved_ref=config.on_unresolved_ref)
        return compile_from_spec(spec, config, previous=previous, options=options, gate_policy=gate_policy)


def compile_from_spec(spec: Spec, config: SpecConfig | None = None, *, previous: CompiledSpec | None = None,
                      options: ToolOptions | None = None, gate_policy: GatePolicy = "skip") -> CompiledSpec:
    """The pipeline after loading, for a spec already in memory (tests, webhooks carrying a body)."""
    from .spec.build import gc_paused

    # Thousands of tools and definitions are allocated next to the spec's document: without the pause
    # the cyclic collector rescans that document several times per compile.
    with gc_paused():
        return _compile(spec, config, previous, options, gate_policy)


def _compile(spec: Spec, config: SpecConfig | None, previous: CompiledSpec | None, options: ToolOptions | None,
             gate_policy: GatePolicy) -> CompiledSpec:
    from .convert import build_tools

    config = config or SpecConfig(source=spec.source, name=spec.name)
    tool_options = _options_for(config, options)
    selected = select_operations(spec, config)
    reusable = previous if previous is not None and previous.options == tool_options else None
    build = build_tools(selected, tool_options, reuse=reusable.by_operation() if reusable else None)
    diagnostics = [*spec.diagnostics, *_spec_gate(selected, set(build.reused) if reusable else None)]
    tools = {t.name: t for t in build.tools}
    rendered, skipped = _render_and_gate(tools, tool_options, reusable, gate_policy)
    offered = set().union(*rendered.values())
    usable = {n: t for n, t in tools.items() if n in offered}
    skipped.extend(_unusable(set(tools) - set(usable), spec.source))
    diagnostics.extend(build.notes)
    return CompiledSpec(config, selected, MappingProxyType(usable), MappingProxyType(rendered),
                        tuple(diagnostics), (*build.skipped, *skipped), tool_options)


def select_operations(spec: Spec, config: SpecConfig) -> Spec:
    """The spec with only the operations ``config``'s include/exclude rules keep."""
    if not (config.include_tags or config.exclude_tags or config.include_paths or config.exclude_paths
            or config.include_methods or config.exclude_operations):
        return spec
    kept = tuple(op for op in spec.operations if _selected(op, config))
    return spec if len(kept) == len(spec.operations) else dataclasses.replace(spec, operations=kept)


def render_definitions(tool: Tool, options: ToolOptions | None = None) -> dict[str, Mapping[str, Any]]:
    """One tool rendered for every provider whose gate accepts it (used for tools registered by hand)."""
    from .formats import PROVIDERS

    options = _options_for(None, options)
    out: dict[str, Mapping[str, Any]] = {}
    for provider in PROVIDERS:
        accepted = _gate(provider, _render_fresh([tool], provider, options, []), "skip", [])
        if tool.name in accepted:
            out[provider] = accepted[tool.name]
    return out



def _options_for(config: SpecConfig | None, options: ToolOptions | None) -> ToolOptions:
    from .convert import ToolOptions

    options = options or ToolOptions()
    if config is not None and config.namespace is not None and config.namespace != options.namespace:
        options = dataclasses.replace(options, namespace=config.namespace)
    return options


def _selected(op: Operation, config: SpecConfig) -> bool:
    if config.include_tags and not set(op.tags) & set(config.include_tags):
        return False
    if config.exclude_tags and set(op.tags) & set(config.exclude_tags):
        return False
    if config.include_paths and not any(fnmatch.fnmatchcase(op.path, p) for p in config.include_paths):
        return False
    if config.exclude_paths and any(fnmatch.fnmatchcase(op.path, p) for p in config.exclude_paths):
        return False
    if config.include_methods and op.method.lower() not in {m.lower() for m in config.include_methods}:
        return False
    return not _excluded(op, config.exclude_operations)


def _excluded(op: Operation, rules: Iterable[str]) -> bool:
    for rule in rules:
        method, _, path = rule.strip().partition(" ")
        if rule == op.operation_id or (path and method.upper() == op.method.upper() and path.strip() == op.path):
            return True
    return False


def _spec_gate(spec: Spec, reused: set[str] | None) -> list[Diagnostic]:
    """
    The lenient spec gate: warnings are kept as diagnostics, errors stop the compile.

    On a recompile only the path items holding an operation that was not reused are checked,
    with the components they reach: the rest passed the gate last time, and checking a large spec
    whole costs seconds. In lenient mode the validator only adds warnings, so it runs under a time
    budget, and only on specs of at most ``VALIDATOR_MAX_ENTRIES`` path items and components; the
    structural checks that decide errors always run in full.
    """
    if not spec.document:
        return []
    from .gates import check_spec, raise_for_spec

    document = spec.document if reused is None else _changed_part(spec, reused)
    if document is None:
        return []
    budget = SPEC_GATE_BUDGET if reused is None else SPEC_GATE_RELOAD_BUDGET
    found = check_spec(document, source=spec.source, lenient=True, time_budget=budget,
                       validator=_entries(spec.document) <= VALIDATOR_MAX_ENTRIES,
                       refs=spec.document_refs if reused is None else None)
    if any(d.severity is Severity.ERROR for d in found):
        raise_for_spec(found, spec.source)
    return found


def _entries(document: Mapping[str, Any]) -> int:
    """Path items plus component entries: what the validator's time grows with."""
    paths, components = document.get("paths"), document.get("components")
    count = len(paths) if isinstance(paths, Mapping) else 0
    if isinstance(components, Mapping):
        count += sum(len(section) for section in components.values() if isinstance(section, Mapping))
    return count


def _changed_part(spec: Spec, reused: set[str]) -> Mapping[str, Any] | None:
    """
    The document cut down to the path items of operations that changed, and the components they
    reach through local refs (security schemes always); webhooks and top-level extensions are left
    out. None when no operation changed.
    """
    changed = {op.path for op in spec.operations if op.key not in reused}
    document = spec.document
    paths = document.get("paths")
    if not changed or not isinstance(paths, Mapping):
        return None
    part: dict[str, Any] = {k: v for k, v in document.items()
                            if k not in ("paths", "components", "webhooks") and not k.startswith("x-")}
    part["paths"] = {p: item for p, item in paths.items() if p in changed}
    components = document.get("components")
    if isinstance(components, Mapping):
        part["components"] = _reachable(part["paths"], components)
    return part


def _reachable(root: Any, components: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The components ``root`` reaches through ``#/components/...`` refs, transitively."""
    out: dict[str, dict[str, Any]] = {}
    schemes = components.get("securitySchemes")
    if isinstance(schemes, Mapping):
        out["securitySchemes"] = dict(schemes)
    stack, seen = [root], set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, Mapping):
            target = _component(node.get("$ref"), components, out)
            if target is not None:
                stack.append(target)
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return out


def _component(ref: Any, components: Mapping[str, Any], out: dict[str, dict[str, Any]]) -> Any:
    """The component a local ref names, recorded in ``out``; None when not a new component ref."""
    if not isinstance(ref, str) or not ref.startswith("#/components/"):
        return None
    parts = [p.replace("~1", "/").replace("~0", "~") for p in ref[len("#/components/"):].split("/")]
    section = components.get(parts[0]) if parts else None
    if len(parts) < 2 or not isinstance(section, Mapping) or parts[1] not in section:
        return None
    kept = out.setdefault(parts[0], {})
    if parts[1] in kept:
        return None
    kept[parts[1]] = section[parts[1]]
    return section[parts[1]]


def _render_and_gate(tools: Mapping[str, Tool], options: ToolOptions, previous: CompiledSpec | None,
                     policy: GatePolicy) -> tuple[dict[str, dict[str, Mapping[str, Any]]], list[Diagnostic]]:
    from .formats import PROVIDERS, RenderContext
    from .gates import shared_schemas

    rendered: dict[str, dict[str, Mapping[str, Any]]] = {}
    skipped: list[Diagnostic] = []
    # One context for every provider: schema rewrites are memoized across tools and providers, so
    # definitions share sub-schemas, and the gate checks each shared (read-only) sub-schema once.
    context = RenderContext(options)
    with shared_schemas():
        for provider in PROVIDERS:
            kept, fresh = _reuse_rendered(tools, provider, previous)
            fresh_defs = _render_fresh(fresh, provider, options, skipped, context)
            kept.update(_gate(provider, fresh_defs, policy, skipped))
            rendered[provider] = dict(sorted(kept.items()))
    return rendered, skipped


def _reuse_rendered(tools: Mapping[str, Tool], provider: str, previous: CompiledSpec | None
                    ) -> tuple[dict[str, Mapping[str, Any]], list[Tool]]:
    """Definitions of tools reused from ``previous`` (rejected ones stay rejected) and the tools to render."""
    kept: dict[str, Mapping[str, Any]] = {}
    fresh: list[Tool] = []
    before = previous.rendered.get(provider, {}) if previous is not None else {}
    old_tools = previous.tools if previous is not None else {}
    for name, tool in tools.items():
        if old_tools.get(name) is tool:
            if name in before:
                kept[name] = before[name]
        else:
            fresh.append(tool)
    return kept, fresh


def _render_fresh(tools: list[Tool], provider: str, options: ToolOptions, skipped: list[Diagnostic],
                  context: RenderContext | None = None) -> dict[str, Mapping[str, Any]]:
    """Render each tool once (one context, so shared schema rewrites are memoized across tools)."""
    from .formats import render_all

    return {r.name: r.definition for r in render_all(tools, provider, options, skipped=skipped, context=context)}


def _gate(provider: str, definitions: dict[str, Mapping[str, Any]], policy: GatePolicy,
          skipped: list[Diagnostic]) -> dict[str, Mapping[str, Any]]:
    """
    The definitions ``provider`` accepts; each rejected one becomes a diagnostic (or an error).

    Request-wide rules (tool counts, budgets) are left to whoever assembles a request: the registry
    serves tools, and a request usually takes a subset of them.
    """
    from .gates import GateOptions, errors_by_tool

    # Errors only, by toolsync's own rules: the SDK models are a second opinion that costs seconds to
    # import and milliseconds per tool, so ``toolsync validate`` asks them and compiling does not.
    rejected = errors_by_tool(provider, definitions, options=GateOptions(use_sdk=False, warnings=False))
    if not rejected:
        return definitions
    kept: dict[str, Mapping[str, Any]] = {}
    for name, definition in definitions.items():
        errors = rejected.get(name)
        if not errors:
            kept[name] = definition
        elif policy == "fail":
            raise ToolValidationError(f"tool {name!r} breaks {provider} rule {errors[0].rule}: {errors[0].message}",
                                      source=name, details={"provider": provider, "rule": errors[0].rule})
        else:
            reasons = "; ".join(f"{i.rule}: {i.message}" for i in errors)
            skipped.append(Diagnostic("tool.rejected", f"tool {name!r} skipped for {provider}: {reasons}",
                                      Severity.WARNING, None, provider))
    return kept


def _unusable(names: set[str], source: str) -> list[Diagnostic]:
    return [Diagnostic("tool.rejected-everywhere", f"tool {name!r} was rejected by every provider and is not "
                       "registered", Severity.WARNING, None, source) for name in sorted(names)]

