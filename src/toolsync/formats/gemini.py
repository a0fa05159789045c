"""
Gemini function declarations: ``{name, description, parameters}``.

``parameters`` is Gemini's ``Schema``, a subset of OpenAPI 3.0. The rewrite:

* ``type`` becomes one upper-case value (``STRING``…, as the REST ``Type`` enum spells it; the SDK
  takes either case); ``null`` in a type list, an enum or an
  ``anyOf`` becomes ``nullable: true``; several non-null types become an ``anyOf``;
* ``enum`` holds strings only: numbers and booleans are written as strings (``1`` → ``"1"``)
  with type ``STRING`` and read back by :func:`toolsync.formats.neutral_arguments`; an enum of
  objects or arrays is said in the description instead;
* ``$ref`` is inlined; recursive schemas are expanded at most
  ``ToolOptions.gemini_recursion_depth`` times along a path (all of them together, so that
  mutually recursive ones stay small), then left untyped with a note;
* ``oneOf`` becomes ``anyOf``, ``allOf`` is merged (or only its first part kept, with a note);
* string formats other than ``enum``/``date-time``, ``exclusiveMinimum``/``Maximum`` (on
  numbers), ``multipleOf``, ``uniqueItems`` and other keywords the Schema lacks are dropped, the
  constraints said in the description; on integers an exclusive bound becomes an inclusive one;
* ``additionalProperties`` is dropped (the Developer API refuses it). A free-form object or map
  (no properties) is left **untyped** with "Any JSON object." in its description: an ``OBJECT``
  must list properties, and a JSON-in-a-string argument would change what is sent;
* a tool without arguments has no ``parameters``.

With ``ToolOptions.gemini_json_schema`` the neutral schema is sent as ``parametersJsonSchema``
instead (plain JSON Schema, ``$defs`` kept).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Any, Final

import orjson

from .._json import is_mapping
from ..convert.merge import merge_all_of
from ..convert.walk import def_name, direct_refs, escape
from ..tool import NoteKind, Tool
from ._common import ensure_arguments, json_text, make_notes, malformed, state, statement, without_rule
from ._model import RenderContext, Rendered
from ._passes import ProviderPass

__all__ = ["enum_text", "render_gemini"]

_TYPES: Final = {"string": "STRING", "number": "NUMBER", "integer": "INTEGER", "boolean": "BOOLEAN", "array": "ARRAY",
                 "object": "OBJECT", "null": "NULL"}
_FORMATS: Final = {"STRING": {"enum", "date-time"}, "NUMBER": {"float", "double"}, "INTEGER": {"int32", "int64"}}
_COPIED: Final = ("title", "description", "minItems", "maxItems", "minProperties", "maxProperties", "minLength",
                  "maxLength", "pattern", "minimum", "maximum", "default")
_COPIED_ORDER: Final[dict[str, int]] = {key: i for i, key in enumerate(_COPIED)}
_HANDLED: Final = frozenset({*_COPIED, "type", "format", "enum", "const", "properties", "required", "items", "anyOf",
                             "oneOf", "additionalProperties", "exclusiveMinimum", "exclusiveMaximum", "multipleOf",
                             "uniqueItems", "dependentRequired", "examples", "example", "contentEncoding"})
_FREE_FORM: Final = "Any JSON object."


def enum_text(value: Any) -> str:
    """How an enum value is written in a Gemini string enum (JSON text for non-strings)."""
    return value if isinstance(value, str) else orjson.dumps(value).decode()


def _types(node: Mapping[str, Any]) -> list[str]:
    kind = node.get("type")
    if isinstance(kind, str):
        return [kind] if kind in _TYPES else []
    return [t for t in kind if isinstance(t, str) and t in _TYPES] if isinstance(kind, list) else []


class GeminiPass(ProviderPass):
    """Neutral JSON Schema → Gemini ``Schema``."""

    provider = "gemini"
    by_identity = False

    def __init__(self, depth: int) -> None:
        super().__init__()
        self.depth = depth
        self.expanding: dict[str, int] = {}
        self.refs: dict[int, tuple[frozenset[str], Any]] = {}

    def memo_key(self, node: Mapping[str, Any]) -> Hashable | None:
        # A subtree with refs expands differently with each recursion budget left.
        if self.defs and direct_refs(node, self.refs):
            return (id(node), tuple(sorted(self.expanding.items())))
        return id(node)

    def rewrite(self, node: Mapping[str, Any], pointer: str) -> Any:
        bad = malformed(node)
        while bad is not None:  # a keyword Gemini cannot read goes; the rest of the schema stays
            self.note(pointer, NoteKind.DROPPED, f"{bad!r} has a value of the wrong type and is left out")
            node = {k: v for k, v in node.items() if k != bad}
            bad = malformed(node)
        if "$ref" in node:
            return self._ref(node, pointer)
        if "allOf" in node:
            inlined = [def_name(str(p["$ref"])) or str(p["$ref"]) for p in node["allOf"]
                       if is_mapping(p) and "$ref" in p]
            if inlined:  # merging inlines definitions: they count against the recursion budget too
                return self._inline(inlined, node, pointer)
            node = self._all_of(node, pointer)
        node, rule = without_rule(node)
        if rule:
            self.note(pointer, NoteKind.DROPPED, "a rule on which properties are required is said in the description")
        out: dict[str, Any] = {}
        said: list[str | None] = [rule]
        types = _types(node)
        nullable = "null" in types
        types = [t for t in types if t != "null"]
        nullable = self._branches(node, out, pointer) or nullable
        enum_null, stringified = self._enum(node, out, pointer, said)
        nullable = nullable or enum_null
        self._type(node, out, types, stringified)
        self._keywords(node, out, pointer, said, stringified)
        self._structure(node, out, pointer)
        if nullable:
            out["nullable"] = True
        return state(out, said)

    def _ref(self, node: Mapping[str, Any], pointer: str) -> Any:
        name = def_name(str(node["$ref"])) or str(node["$ref"])
        target = self.resolve(node)
        siblings = {k: v for k, v in node.items() if k != "$ref"}
        count = self.expanding.get(name, 0)
        # Every expansion on the path counts: with many mutually recursive schemas (an AST) a
        # per-schema budget alone multiplies into millions of nodes.
        if target is None or sum(self.expanding.values()) >= self.depth:
            self.note(pointer, NoteKind.DROPPED, f"the recursive schema {name} is not expanded beyond depth "
                      f"{self.depth}; it is left untyped")
            text = siblings.get("description") or (target or {}).get("description") or ""
            return state({"description": text} if text else {}, [f"A nested {name} value."])
        self.expanding[name] = count + 1
        try:
            return self.visit({**target, **siblings} if siblings else target, pointer)
        finally:
            if count:
                self.expanding[name] = count
            else:
                del self.expanding[name]

    def _inline(self, names: list[str], node: Mapping[str, Any], pointer: str) -> Any:
        if sum(self.expanding.values()) >= self.depth:
            self.note(pointer, NoteKind.DROPPED, f"the recursive schema {names[0]} is not expanded beyond depth "
                      f"{self.depth}; it is left untyped")
            texts = [part.get("description") for part in [node, *node["allOf"]] if is_mapping(part)]
            text = next((t for t in texts if isinstance(t, str) and t), "")
            return state({"description": text} if text else {}, [f"A nested {names[0]} value."])
        before = dict(self.expanding)
        for name in names:
            self.expanding[name] = self.expanding.get(name, 0) + 1
        try:
            return self.visit(self._all_of(node, pointer), pointer)
        finally:
            self.expanding = before

    def _all_of(self, node: Mapping[str, Any], pointer: str) -> Mapping[str, Any]:
        merged = merge_all_of([node], self.resolve)
        if merged is not None:
            return merged
        self.note(pointer, NoteKind.DROPPED, "allOf parts cannot be merged; only the first part is kept")
        parts = node["allOf"]
        first = parts[0] if parts and is_mapping(parts[0]) else {}
        rest = {k: v for k, v in node.items() if k != "allOf"}
        return {**(self.resolve(first) or first if "$ref" in first else first), **rest}

    def _branches(self, node: Mapping[str, Any], out: dict[str, Any], pointer: str) -> bool:
        """anyOf/oneOf into ``out``; True when one branch was ``null``."""
        key = "anyOf" if "anyOf" in node else "oneOf" if "oneOf" in node else None
        if key is None or not isinstance(node[key], list):
            return False
        if key == "oneOf":
            self.note(pointer, NoteKind.CHANGED, "oneOf became anyOf (exactly-one is not enforced)")
        branches = [b for b in node[key] if not (is_mapping(b) and _types(b) == ["null"] and len(b) == 1)]
        done = [self.visit(b, f"{pointer}/{key}/{i}") for i, b in enumerate(branches)]
        if len(done) == 1 and is_mapping(done[0]):
            out.update(done[0])
        elif done:
            out["anyOf"] = done
        return len(branches) < len(node[key])

    def _enum(self, node: Mapping[str, Any], out: dict[str, Any], pointer: str,
              said: list[str | None]) -> tuple[bool, bool]:
        """enum/const into ``out``; (null was allowed, values were written as strings)."""
        values = node.get("enum") if "enum" in node else [node["const"]] if "const" in node else None
        if not isinstance(values, list):
            return False, False
        has_null = None in values
        values = [v for v in values if v is not None]
        if all(isinstance(v, str) for v in values):
            out["enum"] = values
            return has_null, False
        if all(isinstance(v, (str, int, float, bool)) for v in values):
            out["enum"] = [enum_text(v) for v in values]
            self.note(pointer, NoteKind.CHANGED, "enum values are written as strings (Gemini enums are strings)")
            return has_null, True
        said.append(statement("enum", values))
        self.note(pointer, NoteKind.DROPPED, "an enum of objects or arrays cannot be a Gemini enum; said in the "
                  "description")
        return has_null, False

    def _type(self, node: Mapping[str, Any], out: dict[str, Any], types: list[str], stringified: bool) -> None:
        if stringified or ("enum" in out and not types):
            out["type"] = "STRING"
        elif len(types) == 1:
            out["type"] = _TYPES[types[0]]
        elif len(types) > 1:
            out["anyOf"] = [{"type": _TYPES[t]} for t in types]
        elif "properties" in node:
            out["type"] = "OBJECT"
        elif "items" in node:
            out["type"] = "ARRAY"

    def _structure(self, node: Mapping[str, Any], out: dict[str, Any], pointer: str) -> None:
        props = node.get("properties")
        if is_mapping(props) and props:
            # A property whose schema is false can never be sent; Gemini has no schema that says so.
            out["properties"] = {k: self.visit(v, f"{pointer}/properties/{escape(k)}") for k, v in props.items()
                                 if v is not False}
            required = [r for r in node.get("required") or () if r in out["properties"]]
            if required:
                out["required"] = required
            if node.get("additionalProperties", False) is not False:
                self.note(pointer, NoteKind.DROPPED, "additionalProperties is not allowed; extra keys are not shown")
        elif out.get("type") == "OBJECT":
            del out["type"]
            values = node.get("additionalProperties")
            kind = values.get("type") if isinstance(values, dict) else None
            state(out, [_FREE_FORM, f"Values: {json_text(kind)}." if kind else None])
            self.note(pointer, NoteKind.CHANGED, "a free-form object is left untyped (an OBJECT needs properties)")
        if "items" in node:
            out["items"] = self.visit(node["items"], f"{pointer}/items")

    def _keywords(self, node: Mapping[str, Any], out: dict[str, Any], pointer: str, said: list[str | None],
                  stringified: bool) -> None:
        kind = out.get("type")
        copied = [key for key in node if key in _COPIED_ORDER]  # a node's few keys, not all twelve looked up
        if len(copied) > 1:
            copied.sort(key=_COPIED_ORDER.__getitem__)
        for key in copied:
            value = node[key]
            out[key] = enum_text(value) if key == "default" and stringified and value is not None else value
        fmt = node.get("format")
        if isinstance(fmt, str) and not stringified:
            if fmt in _FORMATS.get(str(kind), ()):
                out["format"] = fmt
            else:
                said.append(statement("format", fmt))
                self.note(pointer, NoteKind.DROPPED, f"format {fmt!r} is not a Gemini format; said in the description")
        for key, bound in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
            value = node.get(key)
            if kind == "INTEGER" and isinstance(value, int) and bound not in out:
                out[bound] = value + 1 if bound == "minimum" else value - 1
            elif value is not None:
                said.append(statement(key, value))
                self.note(pointer, NoteKind.DROPPED, f"{key!r} is not in Gemini's Schema; said in the description")
        for key in ("multipleOf", "uniqueItems", "dependentRequired"):
            if key in node:
                said.append(statement(key, node[key]))
                self.note(pointer, NoteKind.DROPPED, f"{key!r} is not in Gemini's Schema; said in the description")
        examples = node.get("examples")
        if "example" in node:
            out["example"] = node["example"]
        elif isinstance(examples, list) and examples:
            out["example"] = examples[0]
        for key in node:
            if key not in _HANDLED and key != "allOf":
                self.note(pointer, NoteKind.DROPPED, f"{key!r} is not in Gemini's Schema")


def render_gemini(tool: Tool, ctx: RenderContext) -> Rendered:
    """The Gemini shape: ``{name, description, parameters}`` (or ``parametersJsonSchema``)."""
    definition: dict[str, Any] = {"name": tool.name, "description": tool.description}
    neutral = tool.input_schema
    if not neutral.get("properties"):
        return Rendered(definition, (), None, tool.name, "gemini")
    if ctx.options.gemini_json_schema:
        definition["parametersJsonSchema"] = neutral
        return Rendered(definition, (), None, tool.name, "gemini")
    gemini = ctx.schema_pass("gemini", lambda: GeminiPass(ctx.options.gemini_recursion_depth))
    root = {k: v for k, v in neutral.items() if k not in ("$defs", "additionalProperties")}
    gemini.defs = neutral.get("$defs") or {}
    gemini.take_notes()
    parameters = gemini.visit(root, "")
    ensure_arguments(tool, parameters.get("properties"), "gemini")
    definition["parameters"] = parameters
    return Rendered(definition, make_notes(gemini.take_notes(), "gemini"), None, tool.name, "gemini")
