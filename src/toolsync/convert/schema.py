"""
The neutral form of a spec's schemas: standard JSON Schema 2020-12, clean, read as a tool sees it.

* OpenAPI-only keywords go (``xml``, ``externalDocs``, ``discriminator``, ``x-*``…);
  ``example`` becomes ``examples``.
* Descriptions and titles lose invisible characters and fit the budget.
* In a request, ``readOnly`` properties are removed (a client must not send them); in a
  response, ``writeOnly`` ones are.
* In a request, binary strings (``format: binary``, ``contentMediaType`` without an encoding,
  Swagger's ``type: file``) become base64 text (``contentEncoding: base64``), which is what a
  model can write and what execution decodes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from .._json import COUNT, LIST, NAMES, NUMBER, TEXT, TYPES, has_shape
from ..tool import NoteKind
from .text import clean_text, cut
from .walk import SUBSCHEMA_KEYWORDS, SchemaPass, escape, map_subschemas

__all__ = ["BINARY_HINT", "RequestSchemaPass", "ResponseSchemaPass", "is_binary", "required_rule", "rule_sentence"]

BINARY_HINT: Final = "Base64-encoded content (a data: URL may also give the media type and file name)."
_DROP: Final = frozenset({"xml", "externalDocs", "discriminator", "nullable", "x-nullable", "$schema", "$id",
                          "$comment", "$anchor", "$dynamicAnchor", "$vocabulary"})
_TEXT: Final = ("description", "title")


# Keywords whose value JSON Schema constrains, and the shape of a valid value: a spec that writes
# ``pattern: 0`` or ``examples: {…}`` would make the whole tool schema invalid, so such a value goes.
_VALUE_SHAPES: Final[dict[str, int]] = {
    "type": TYPES, "required": NAMES, "enum": LIST, "examples": LIST,
    "pattern": TEXT, "format": TEXT, "description": TEXT, "title": TEXT,
    **dict.fromkeys(("minLength", "maxLength", "minItems", "maxItems", "minProperties", "maxProperties"), COUNT),
    **dict.fromkeys(("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"), NUMBER),
}
_RULE_KEYS: Final = frozenset({"required", "description", "title"})


def is_binary(schema: Mapping[str, Any]) -> bool:
    """Raw bytes in the spec: ``format: binary``, a media type with no encoding, or ``type: file``."""
    return (schema.get("format") == "binary" or schema.get("type") == "file"
            or ("contentMediaType" in schema and "contentEncoding" not in schema))


def required_rule(node: Mapping[str, Any]) -> tuple[str, list[list[str]]] | None:
    """
    ``(keyword, groups)`` when ``node``'s anyOf/oneOf only chooses which properties are required.

    ``{"anyOf": [{"required": ["a"]}, {"required": ["b", "c"]}]}`` gives ``("anyOf", [["a"], ["b", "c"]])``:
    a rule that a format without such combinations can still say in words (:func:`rule_sentence`).
    """
    for keyword in ("anyOf", "oneOf"):
        branches = node.get(keyword)
        if not isinstance(branches, list) or not branches:
            continue
        groups: list[list[str]] = []
        for branch in branches:
            names = branch.get("required") if isinstance(branch, dict) and set(branch) <= _RULE_KEYS else None
            if not isinstance(names, list) or not names:
                return None
            groups.append([str(n) for n in names])
        return keyword, groups
    return None


def rule_sentence(keyword: str, groups: list[list[str]]) -> str:
    """``"Needs a, or b and c."`` (anyOf) or ``"Needs exactly one of: a, or b and c."`` (oneOf)."""
    said = ", or ".join(" and ".join(g) for g in groups)
    return f"Needs {said}." if keyword == "anyOf" else f"Needs exactly one of: {said}."


class _CleanPass(SchemaPass):
    """Shared cleaning; subclasses say which properties a direction hides."""

    hidden_flag = ""

    def __init__(self, budget: int) -> None:
        super().__init__()
        self.budget = budget
        self._texts: dict[str, str] = {}  # the same descriptions recur all over a spec

    def text(self, text: str) -> str:
        """``text`` cleaned and cut to the budget (cached)."""
        done = self._texts.get(text)
        if done is None:
            done = self._texts[text] = cut(clean_text(text), self.budget)
        return done

    def rewrite(self, node: Mapping[str, Any], pointer: str) -> Any:
        node, dirty = self._children(node, pointer)
        out: dict[str, Any] | None = dict(node) if dirty else None
        if out is not None:
            self._drop_keywords(out, pointer)
        for key in _TEXT:
            text = node.get(key)
            if type(text) is str:
                fixed = self.text(text)
                if fixed != text:
                    out = out if out is not None else dict(node)
                    out[key] = fixed
        props = node.get("properties")
        if type(props) is dict:
            out = self._hide_properties(out if out is not None else node, props, pointer)
        return self.node_extra(out if out is not None else node, pointer)

    def node_extra(self, node: Mapping[str, Any], pointer: str) -> Mapping[str, Any]:
        return node

    def _children(self, node: Mapping[str, Any], pointer: str) -> tuple[Mapping[str, Any], bool]:
        """Subschemas rewritten, and whether the node has keywords to drop (one loop: this is the hot path)."""
        dirty = False
        nested = False
        for key, value in node.items():
            shape = _VALUE_SHAPES.get(key)
            if shape is not None:
                if not has_shape(shape, value):
                    dirty = True
            elif type(key) is not str or key in _DROP or key == "example" or key.startswith("x-"):
                dirty = True
            elif key in SUBSCHEMA_KEYWORDS:
                nested = True
        return (map_subschemas(node, self.visit, pointer) if nested else node), dirty

    def _drop_keywords(self, out: dict[str, Any], pointer: str) -> None:
        for key in list(out):
            if not isinstance(key, str):
                out[str(key)] = out.pop(key)
            elif key in _DROP or key.startswith("x-"):
                del out[key]
            elif key in _VALUE_SHAPES and not has_shape(_VALUE_SHAPES[key], out[key]):
                del out[key]
                self.note(pointer, NoteKind.DROPPED, f"{key!r} has a value of the wrong type and is left out")
        example = out.pop("example", None)
        if example is not None and "examples" not in out:
            out["examples"] = [example]

    def _hide_properties(self, node: Mapping[str, Any], props: Mapping[Any, Any], pointer: str) -> Any:
        hidden = [name for name, sub in props.items()
                  if isinstance(sub, dict) and sub.get(self.hidden_flag) is True]
        fix_keys = any(not isinstance(name, str) for name in props)
        if not hidden and not fix_keys:
            return node
        out = dict(node)
        out["properties"] = {str(name): sub for name, sub in props.items() if name not in hidden}
        required = node.get("required")
        if hidden and isinstance(required, list):
            out["required"] = [name for name in required if name not in hidden]
        for name in hidden:
            self.note(f"{pointer}/properties/{escape(str(name))}", NoteKind.DROPPED,
                      f"property {name!r} is {self.hidden_flag} and is left out")
        return out


class RequestSchemaPass(_CleanPass):
    """Cleans schemas a tool's arguments are checked against."""

    hidden_flag = "readOnly"

    def __init__(self, budget: int) -> None:
        super().__init__(budget)
        # (id(schema), description, deprecated) -> (argument schema, schema): see toolsync.convert.inputs.
        self.described: dict[tuple[int, str, bool], tuple[Any, Any]] = {}

    def node_extra(self, node: Mapping[str, Any], pointer: str) -> Mapping[str, Any]:
        if not is_binary(node):
            return node
        out = {k: v for k, v in node.items() if k != "format"}
        out["type"] = "string"
        out["contentEncoding"] = "base64"
        description = str(out.get("description") or "")
        out["description"] = f"{description} {BINARY_HINT}".strip()
        return out


class ResponseSchemaPass(_CleanPass):
    """Cleans schemas of what an API answers."""

    hidden_flag = "writeOnly"
