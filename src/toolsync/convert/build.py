"""Operations to neutral tools: :func:`build_tool` for one, :func:`build_tools` for a spec."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from .._json import is_mapping
from ..errors import ConversionError
from ..ir import Diagnostic, Operation, Severity, Spec
from ..tool import ConversionNote, NoteKind, Tool
from .annotations import annotations_for
from .hashing import SchemaDigests, content_hash
from .inputs import Arguments, build_arguments, is_json_media
from .naming import assign_names_and_clashes, candidate_name
from .options import ToolOptions
from .schema import RequestSchemaPass, ResponseSchemaPass
from .text import clean_text, combine, cut, one_line
from .walk import MALFORMED, refs_closure

__all__ = ["ToolBuild", "build_tool", "build_tools"]

_TITLE_BUDGET: Final = 128


@dataclass(frozen=True, slots=True)
class ToolBuild:
    """The tools of one spec, and what could not become a tool."""

    tools: tuple[Tool, ...]  # sorted by name
    skipped: tuple[Diagnostic, ...] = ()  # one per operation left out, with its reason
    notes: tuple[Diagnostic, ...] = ()  # remarks on the whole build (renamed by a clash…)
    reused: tuple[str, ...] = ()  # operation keys whose previous Tool was kept as is


class _Context:
    """Memos shared by every operation of one build."""

    def __init__(self, options: ToolOptions) -> None:
        self.options = options
        self.request = RequestSchemaPass(options.description_budget)
        self.response = ResponseSchemaPass(options.description_budget)
        self.refs: dict[int, tuple[frozenset[str], Any]] = {}
        self.digests: dict[int, tuple[str, Any]] = {}
        self.parts = SchemaDigests()

    def output_digest(self, schema: Mapping[str, Any] | None, source: str) -> str | None:
        if schema is None:
            return None
        hit = self.digests.get(id(schema))
        if hit is None:
            hit = self.digests[id(schema)] = (self.parts.hexdigest(schema, source), schema)
        return hit[0]


def _description(op: Operation, budget: int, rules: list[str]) -> tuple[str, list[ConversionNote]]:
    text = combine(op.summary, op.description) or f"{op.method.upper()} {op.path}"
    if op.deprecated:
        text = f"Deprecated: {text}"
    # Rules between fields come last but are kept whole: the cut goes into the text before them.
    tail = "\n\n" + " ".join(rules) if rules else ""
    short = cut(text, max(budget - len(tail), budget // 2))
    full = cut(short + tail, budget)
    if short == text:
        return full, []
    return full, [ConversionNote(NoteKind.TRUNCATED, f"description cut from {len(text) + len(tail)} to "
                                 f"{len(full)} characters")]


def _defs(ctx: _Context, op: Operation, roots: list[Any], which: RequestSchemaPass | ResponseSchemaPass,
          source: str) -> dict[str, Any]:
    if not op.defs:  # refs stay only for cycles, and a cycle always comes with its defs
        return {}
    names = refs_closure(roots, op.defs, ctx.refs, source)
    return {name: which.visit(op.defs[name], f"/$defs/{name}") for name in names}


def _output_schema(ctx: _Context, op: Operation, source: str) -> Mapping[str, Any] | None:
    response = op.success_response()
    media = next((m for m in response.content if is_json_media(m.media_type)), None) if response else None
    if media is None or not is_mapping(media.schema) or not media.schema:
        return None
    schema = ctx.response.visit(media.schema, "")
    defs = _defs(ctx, op, [schema], ctx.response, source)
    ctx.response.take_notes()  # what a response hides is no news to a caller
    return {**schema, "$defs": {**schema.get("$defs", {}), **defs}} if defs else schema


def _notes(records: list[tuple[str, NoteKind, str]]) -> list[ConversionNote]:
    return [ConversionNote(kind, message, pointer=pointer or None) for pointer, kind, message in records]


def _input_schema(ctx: _Context, op: Operation, args: Arguments, source: str) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": args.properties}
    if args.required:
        schema["required"] = args.required
    schema["additionalProperties"] = False
    defs = _defs(ctx, op, list(args.properties.values()), ctx.request, source)
    if defs:
        schema["$defs"] = defs
    return schema


def _build(ctx: _Context, op: Operation, spec_name: str, spec_version: str, name: str, source: str) -> Tool:
    options = ctx.options
    args = build_arguments(op, options, ctx.request, source)
    input_schema = _input_schema(ctx, op, args, source)
    description, notes = _description(op, options.description_budget, args.rules)
    annotations, hint_notes = annotations_for(op, options)
    output = _output_schema(ctx, op, source)
    title = cut(one_line(clean_text(op.summary)), _TITLE_BUDGET) or name
    fingerprint = content_hash(name=name, description=description, input_schema=input_schema,
                               output_digest=ctx.output_digest(output, source), bindings=args.bindings,
                               annotations=annotations, method=op.method, path=op.path, servers=op.servers,
                               source=source, digests=ctx.parts)
    all_notes = notes + args.notes + _notes(ctx.request.take_notes()) + hint_notes
    return Tool(name=name, description=description, input_schema=input_schema, bindings=args.bindings,
                operation=op, spec_name=spec_name, spec_version=spec_version, title=title,
                output_schema=output, annotations=annotations, notes=tuple(all_notes), content_hash=fingerprint)


def build_tool(
    operation: Operation,
    *,
    spec_name: str,
    spec_version: str = "",
    name: str | None = None,
    options: ToolOptions | None = None,
) -> Tool:
    """
    The neutral tool for one operation.

    ``name`` defaults to the operation's own candidate name (no clash check: use
    :func:`build_tools` for a whole spec).

    Raises:
        ConversionError: the operation cannot become a tool (the message says why).
    """
    options = options or ToolOptions()
    name = name or candidate_name(operation, f"{options.namespace}_" if options.namespace else "")[0]
    return _guarded(_Context(options), operation, spec_name, spec_version, name, f"{spec_name}: {operation.key}")


def _guarded(ctx: _Context, op: Operation, spec_name: str, spec_version: str, name: str, source: str) -> Tool:
    """:func:`_build`, with a schema of the wrong shape reported as a ConversionError."""
    try:
        return _build(ctx, op, spec_name, spec_version, name, source)
    except MALFORMED as exc:
        raise ConversionError(f"a schema of the operation is malformed ({type(exc).__name__}: {exc}); check it "
                              "against the OpenAPI schema object rules", source=source) from exc


def _reusable(previous: Tool, op: Operation, name: str, spec: Spec) -> bool:
    # Dataclass equality compares the schemas in C; shared objects short-cut on identity.
    return previous.name == name and previous.spec_name == spec.name and (
        previous.operation is op or previous.operation == op)


def build_tools(
    spec: Spec, options: ToolOptions | None = None, *, reuse: Mapping[str, Tool] | None = None
) -> ToolBuild:
    """
    Every operation of ``spec`` as a tool; operations that cannot be converted are skipped.

    ``reuse`` maps operation keys to tools of an earlier build *with the same options*: a tool
    whose operation is equal and whose name is unchanged is kept instead of converted again.

    Example:
        >>> build = build_tools(spec, ToolOptions(namespace="shop"))
        >>> [t.name for t in build.tools]
        ['shop_addPet', 'shop_getPetById']
    """
    options = options or ToolOptions()
    ctx = _Context(options)
    names, clashes = assign_names_and_clashes(spec.operations, namespace=options.namespace)
    tools: list[Tool] = []
    skipped: list[Diagnostic] = []
    reused: list[str] = []
    for op in spec.operations:
        key = op.key  # a property that formats a string: asked once
        name = names[key]
        previous = reuse.get(key) if reuse else None
        if previous is not None and _reusable(previous, op, name, spec):
            if previous.spec_version != spec.version:
                previous = dataclasses.replace(previous, spec_version=spec.version)
            tools.append(previous)
            reused.append(key)
            continue
        try:
            tools.append(_guarded(ctx, op, spec.name, spec.version, name, f"{spec.source}: {key}"))
        except ConversionError as exc:
            ctx.request.take_notes()
            skipped.append(Diagnostic("conversion.skipped", f"{key} was not made a tool: {exc.message}",
                                      Severity.WARNING, pointer=op.pointer or None, source=spec.source))
    tools.sort(key=lambda t: t.name)
    notes = tuple(Diagnostic("naming.clash", f"{op.key} is named {names[op.key]!r}: {clashes[op.key]!r} is taken by "
                             "another operation", Severity.INFO, pointer=op.pointer or None, source=spec.source)
                  for op in spec.operations if clashes and op.key in clashes)
    return ToolBuild(tuple(tools), tuple(skipped), notes, tuple(reused))
