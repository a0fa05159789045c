"""
Bytes to a plain JSON-compatible document, safely.

:func:`parse_document` turns a spec's bytes into dicts, lists, strings, numbers, booleans and
``None``, and nothing else. On the way it:

* reads UTF-8 only (a UTF-8 byte-order mark is dropped; UTF-16/32, NUL bytes and binary data are
  refused with a message that says so);
* measures the nesting depth on the raw text before any parser runs (see ``_depth``);
* parses JSON with orjson, YAML with libyaml when available;
* keeps YAML 1.1 surprises as the text the author wrote: ``NO``, ``yes``, ``on``, ``2024-01-01``,
  ``0755`` and ``1_000`` stay strings, and ``openapi: 3.0`` is ``"3.0"``; only null, true/false and
  numbers in their JSON spellings become non-strings;
* refuses duplicate mapping keys, naming both lines;
* turns every mapping key into the string written in the file (``200:`` becomes ``"200"``);
* bounds anchors and aliases, and the size of the document with aliases expanded, so that an
  alias bomb fails in milliseconds instead of exhausting memory.

YAML aliases become shared objects, as with any YAML loader: treat the result as read-only.

Example::

    document = parse_document(Path("petstore.yaml").read_bytes(), source="petstore.yaml", limits=Limits())
"""

from __future__ import annotations

import codecs
import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import orjson
import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from ..errors import LimitError, ParseError, UnsupportedSpecError
from ..limits import Limits
from ._depth import check_json_depth, check_yaml_depth

__all__ = ["Parsed", "parse_document", "parse_source", "parse_value", "refs_in_json"]

_OTHER_BOMS = (
    (codecs.BOM_UTF32_LE, "UTF-32"),
    (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF16_LE, "UTF-16"),
    (codecs.BOM_UTF16_BE, "UTF-16"),
)
_NULL = "tag:yaml.org,2002:null"
_BOOL = "tag:yaml.org,2002:bool"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_MERGE = "tag:yaml.org,2002:merge"
_JSON_INT = re.compile(r"^-?(?:0|[1-9][0-9]*)$")
_JSON_FLOAT = re.compile(r"^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?$")
_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
_TRUE = frozenset({"true", "True", "TRUE"})
_FALSE = frozenset({"false", "False", "FALSE"})
# Version fields whose numbers must stay as written ("3.0", not 3.0; "1.10", not 1.1).
_AS_WRITTEN = (("openapi",), ("swagger",), ("info", "version"))


@dataclass(frozen=True, slots=True)
class Parsed:
    """A parsed document, and the ``$ref`` strings it holds when parsing could list them cheaply."""

    document: dict[str, Any]
    # Every value of a "$ref" key anywhere in the document (local or not), read from the JSON that the
    # depth check writes anyway; None when not collected or not certain (YAML, an escape in a ref).
    refs: frozenset[str] | None = None


def parse_document(
    data: bytes, *, source: str, limits: Limits, media_type: str | None = None
) -> dict[str, Any]:
    """
    Parse a spec's bytes (JSON or YAML) into a plain dict.

    Args:
        data: the raw bytes.
        source: path or URL, used in every error message.
        media_type: a Content-Type or file-derived hint; JSON is also recognised by a leading ``{``.

    Raises:
        ParseError: not UTF-8 text, empty, or not valid JSON/YAML (with line and column when known).
        LimitError: larger than ``limits.max_bytes``, nested deeper than ``limits.max_depth``, more
            aliases than ``limits.max_aliases`` or more nodes than ``limits.max_nodes``.
        UnsupportedSpecError: the top level is not a mapping.
    """
    return parse_source(data, source=source, limits=limits, media_type=media_type).document


def parse_source(data: bytes, *, source: str, limits: Limits, media_type: str | None = None,
                 want_refs: bool = False) -> Parsed:
    """
    :func:`parse_document`, also listing the document's ``$ref`` strings when ``want_refs`` and cheap.

    The spec gate checks that every local ref resolves; on a large JSON spec it would serialize the
    whole document again just to find them.
    """
    document, refs = _parse(data, source, limits, media_type, want_refs)
    if not isinstance(document, dict):
        kind = "a list" if isinstance(document, list) else f"a single value ({type(document).__name__})"
        raise UnsupportedSpecError(f"the document is {kind}, not a mapping; an OpenAPI document is a mapping "
                                   "with an openapi or swagger key", source=source)
    return Parsed(document, refs)


def parse_value(data: bytes, *, source: str, limits: Limits, media_type: str | None = None) -> Any:
    """Like :func:`parse_document` but accepts any JSON value at the top (for files pulled in by ``$ref``)."""
    return _parse(data, source, limits, media_type, False)[0]


def _parse(data: bytes, source: str, limits: Limits, media_type: str | None,
           want_refs: bool) -> tuple[Any, frozenset[str] | None]:
    """The parsed value, and its ``$ref`` strings when ``want_refs`` and the JSON path could list them."""
    if len(data) > limits.max_bytes:
        raise LimitError(f"the document is larger ({len(data):,} bytes) than the limit of {limits.max_bytes:,} "
                         "bytes; raise limits.max_bytes if it is trusted", source=source,
                         details={"limit": "max_bytes", "max_bytes": limits.max_bytes})
    raw = _checked_bytes(data, source)
    # A JSON document is parsed straight from its bytes (orjson checks the UTF-8 itself): decoding a
    # large spec to text first costs as much as parsing it, so the text is made only when needed.
    text = None if raw.lstrip()[:1] in (b"{", b"[") else _decode_text(raw, source)
    if text is not None and not text.strip():
        raise ParseError("the document is empty" if not text else "the document contains only whitespace",
                         source=source)
    if text is None or text.lstrip()[0] in "{[":
        declared = _declared_json(source, media_type)
        try:
            return _load_json(raw, text, source, limits, want_refs)
        except ParseError:
            if declared:
                raise
        # "{a: 1}" is YAML, not JSON: without a JSON media type or extension give YAML its turn.
    text = _decode_text(raw, source) if text is None else text
    check_yaml_depth(text, limits.max_depth, source)
    return _load_yaml(raw, source, limits), None


# --------------------------------------------------------------------------------------------- text


def _checked_bytes(data: bytes, source: str) -> bytes:
    """The bytes without a UTF-8 byte-order mark; refuses other byte-order marks and NUL bytes."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    else:
        for bom, name in _OTHER_BOMS:
            if data.startswith(bom):
                raise ParseError(f"the document is {name} text; save it as UTF-8 (toolsync reads UTF-8 only)",
                                 source=source, details={"encoding": name})
    if b"\x00" in data:
        raise ParseError(_nul_message(data), source=source)
    return data


def _decode_text(data: bytes, source: str) -> str:
    """The text of checked bytes; refuses anything but UTF-8."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, column = _line_column(data, exc.start)
        raise ParseError(f"the document is not UTF-8 text: byte 0x{data[exc.start]:02x} at line {line}, column "
                         f"{column} is invalid; save it as UTF-8 (binary files are not specs)", source=source,
                         details={"line": line, "column": column}) from None


def _nul_message(data: bytes) -> str:
    head = data[:256]
    if head[1::2].count(0) > len(head) // 4 or head[0::2].count(0) > len(head) // 4:
        return "the document looks like UTF-16 text without a byte-order mark; save it as UTF-8"
    return "the document contains NUL bytes: it is a binary file, not a JSON or YAML spec"


def _line_column(data: bytes, offset: int) -> tuple[int, int]:
    line = data.count(b"\n", 0, offset) + 1
    return line, offset - (data.rfind(b"\n", 0, offset) + 1) + 1


def _declared_json(source: str, media_type: str | None) -> bool:
    if media_type and "json" in media_type.lower():
        return True
    return source.split("?", 1)[0].lower().endswith(".json")


# --------------------------------------------------------------------------------------------- JSON


# orjson parses at most 1,024 levels deep and writes at most 254: a document it writes back is at most
# that deep, which answers the depth limit in a few milliseconds instead of a scan of the whole text.
_ORJSON_WRITE_DEPTH = 254


def _load_json(raw: bytes, text: str | None, source: str, limits: Limits,
               want_refs: bool) -> tuple[Any, frozenset[str] | None]:
    quick = limits.max_depth >= _ORJSON_WRITE_DEPTH
    if not quick:
        check_json_depth(raw, limits.max_depth, source)
    try:
        document = orjson.loads(raw)
    except orjson.JSONDecodeError:
        if quick:  # orjson's own depth limit may be what stopped it: say so as the limit it is
            check_json_depth(raw, limits.max_depth, source)
        # orjson refuses a few valid documents (lone surrogate escapes); the standard library reads
        # them, and words its errors with line and column. Bytes that are not UTF-8 stop here.
        return _keep_as_written_json(_load_json_stdlib(_decode_text(raw, source) if text is None else text,
                                                       source)), None
    written = _written(document) if quick else None
    if quick and written is None:
        check_json_depth(raw, limits.max_depth, source)
    refs = refs_in_json(written) if want_refs and written is not None else None
    return _keep_as_written_json(document), refs


def _written(document: Any) -> bytes | None:
    try:
        return orjson.dumps(document)
    except TypeError:  # orjson.JSONEncodeError included: nested more than orjson writes
        return None


# A "$ref" member with a string value as orjson writes it (compact); a quote inside a string is escaped,
# so the pattern cannot match inside a string value.
_REF_VALUE = re.compile(rb'"\$ref":"([^"]*)"')


def refs_in_json(written: bytes) -> frozenset[str] | None:
    """
    Every ``$ref`` string in a document, read from its compact JSON (``orjson.dumps``) instead of a walk.

    None when a ref holds an escape: only a walk of the decoded strings knows such a ref.
    """
    found = set(_REF_VALUE.findall(written))
    if any(b"\\" in ref for ref in found):
        return None
    return frozenset(ref.decode() for ref in found)


def _load_json_stdlib(text: str, source: str) -> Any:
    def no_constants(name: str) -> Any:
        raise ValueError(f"{name} is not valid JSON")

    try:
        return json.loads(text, parse_constant=no_constants)
    except json.JSONDecodeError as exc:
        raise ParseError(f"not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}", source=source,
                         details={"line": exc.lineno, "column": exc.colno}) from None
    except (ValueError, RecursionError) as exc:
        raise ParseError(f"not valid JSON: {exc}", source=source) from None


def _keep_as_written_json(document: Any) -> Any:
    """Version numbers written as JSON numbers become strings (``"openapi": 3.0`` -> ``"3.0"``)."""
    for path in _AS_WRITTEN:
        parent = document
        for key in path[:-1]:
            parent = parent.get(key) if isinstance(parent, dict) else None
        value = parent.get(path[-1]) if isinstance(parent, dict) else None
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            parent[path[-1]] = str(value)
    return document


# --------------------------------------------------------------------------------------------- YAML


class _Resolver(yaml.resolver.BaseResolver):
    """Resolves only the scalars JSON can spell; everything else stays the string that was written."""


_Resolver.add_implicit_resolver(_NULL, re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""])
_Resolver.add_implicit_resolver(_BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))
_Resolver.add_implicit_resolver(_INT, _JSON_INT, list("-0123456789"))
_Resolver.add_implicit_resolver(_FLOAT, _JSON_FLOAT, list("-0123456789"))
_Resolver.add_implicit_resolver(_MERGE, re.compile(r"^<<$"), ["<"])

try:
    import yaml.cyaml

    _CParser: Any = getattr(yaml.cyaml, "CParser", None)
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    _CParser = None

if _CParser is not None:

    class _Composer(_CParser, _Resolver):  # type: ignore[misc]
        """libyaml's parser and composer with toolsync's resolver."""

        def __init__(self, stream: bytes) -> None:
            _CParser.__init__(self, stream)
            _Resolver.__init__(self)

else:  # pragma: no cover - PyYAML built without libyaml

    class _Composer(  # type: ignore[no-redef]
        yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser, yaml.composer.Composer, _Resolver
    ):
        """The pure-Python parser and composer with toolsync's resolver."""

        def __init__(self, stream: bytes) -> None:
            yaml.reader.Reader.__init__(self, stream)
            yaml.scanner.Scanner.__init__(self)
            yaml.parser.Parser.__init__(self)
            yaml.composer.Composer.__init__(self)
            _Resolver.__init__(self)


def _load_yaml(raw: bytes, source: str, limits: Limits) -> Any:
    try:
        composer = _Composer(raw)
        try:
            root = composer.get_single_node()
        finally:
            composer.dispose()
    except yaml.MarkedYAMLError as exc:
        raise _yaml_error(exc, source) from None
    except yaml.YAMLError as exc:
        raise ParseError(f"not valid YAML: {exc}", source=source) from None
    if root is None:
        raise ParseError("the document is empty (only comments or directives)", source=source)
    return _Builder(source, limits).build(root)


def _yaml_error(exc: yaml.MarkedYAMLError, source: str) -> ParseError:
    problem = exc.problem or exc.context or "syntax error"
    if "expected a single document" in f"{exc.context} {exc.problem}":
        problem = "the file holds more than one YAML document (---); a spec is one document"
    mark = exc.problem_mark or exc.context_mark
    if mark is None:
        return ParseError(f"not valid YAML: {problem}", source=source)
    line, column = mark.line + 1, mark.column + 1
    return ParseError(f"not valid YAML: {problem} at line {line}, column {column}", source=source,
                      details={"line": line, "column": column})


class _Builder:
    """Builds plain Python values from a composed YAML node graph, without recursion."""

    def __init__(self, source: str, limits: Limits) -> None:
        self.source = source
        self.limits = limits
        self.as_written: set[int] = set()

    def build(self, root: Node) -> Any:
        order = self._ordered(root)
        self._mark_as_written(root)
        values: dict[int, Any] = {}
        for node in order:
            values[id(node)] = self._value(node, values)
        return values[id(root)]

    def _ordered(self, root: Node) -> list[Node]:
        """
        Children before parents; checks for recursive aliases and the expanded size on the way.

        Sizes are computed once per node and summed with multiplicity, so the size of an alias bomb
        (10 aliases of 10 aliases of ...) is known without expanding it.
        """
        done: dict[int, int] = {}  # id -> expanded size
        active: set[int] = set()
        order: list[Node] = []
        aliases = 0
        # (node, None) asks to visit a node; (node, children) means its children are all done.
        stack: list[tuple[Node, list[Node] | None]] = [(root, None)]
        while stack:
            node, children = stack.pop()
            key = id(node)
            if children is not None:
                active.discard(key)
                done[key] = size = 1 + sum([done[id(child)] for child in children])
                if size > self.limits.max_nodes:
                    raise self._too_big(node)
                order.append(node)
            elif key in done:
                aliases += 1
                if aliases > self.limits.max_aliases:
                    raise self._too_many_aliases(node)
            elif key in active:
                raise ParseError(f"a recursive alias at line {node.start_mark.line + 1} refers to its own "
                                 "ancestor; JSON cannot hold a cycle", source=self.source)
            elif isinstance(node, ScalarNode):
                done[key] = 1
                order.append(node)
            else:
                active.add(key)
                kids = _children(node)
                stack.append((node, kids))
                stack.extend((child, None) for child in reversed(kids))
        return order

    def _too_big(self, node: Node) -> LimitError:
        limit = self.limits.max_nodes
        return LimitError(f"the document expands to more than {limit:,} values with its aliases expanded (near "
                          f"line {node.start_mark.line + 1}); an alias bomb, or raise limits.max_nodes",
                          source=self.source, details={"limit": "max_nodes", "max_nodes": limit})

    def _too_many_aliases(self, node: Node) -> LimitError:
        limit = self.limits.max_aliases
        return LimitError(f"the document uses more than {limit:,} YAML aliases (at line "
                          f"{node.start_mark.line + 1}); raise limits.max_aliases if it is trusted",
                          source=self.source, details={"limit": "max_aliases", "max_aliases": limit})

    def _mark_as_written(self, root: Node) -> None:
        for path in _AS_WRITTEN:
            node: Node | None = root
            for key in path:
                node = _lookup(node, key)
            if isinstance(node, ScalarNode):
                self.as_written.add(id(node))

    def _value(self, node: Node, values: dict[int, Any]) -> Any:
        if isinstance(node, ScalarNode):
            return node.value if id(node) in self.as_written else _scalar(node)
        if isinstance(node, SequenceNode):
            return [values[id(child)] for child in node.value]
        return self._mapping(node, values)

    def _mapping(self, node: Node, values: dict[int, Any]) -> dict[str, Any]:
        merged: dict[str, Any] = {}
        own: dict[str, Any] = {}
        lines: dict[str, int] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE and isinstance(key_node, ScalarNode):
                self._merge_into(merged, value_node, values)
                continue
            key = self._key(key_node)
            if key in own:
                raise self._duplicate(key, lines[key], key_node)
            own[key] = values[id(value_node)]
            lines[key] = key_node.start_mark.line + 1
        return {**merged, **own} if merged else own

    def _key(self, node: Node) -> str:
        if not isinstance(node, ScalarNode):
            line = node.start_mark.line + 1
            raise ParseError(f"a mapping key at line {line} is a list or mapping; keys must be plain text",
                             source=self.source, details={"line": line})
        return str(node.value)

    def _duplicate(self, key: str, first: int, node: Node) -> ParseError:
        line = node.start_mark.line + 1
        return ParseError(f"duplicate key {key!r} at line {line} (first at line {first}); the second would "
                          "silently replace the first, so merge them", source=self.source,
                          details={"line": line, "column": node.start_mark.column + 1, "key": key})

    def _merge_into(self, merged: dict[str, Any], node: Node, values: dict[int, Any]) -> None:
        sources: Iterable[Node] = node.value if isinstance(node, SequenceNode) else [node]
        # Earlier sources win over later ones, as in YAML's merge key definition.
        for item in reversed(list(sources)):
            value = values[id(item)]
            if not isinstance(value, dict):
                line = item.start_mark.line + 1
                raise ParseError(f"the merge key << at line {line} must refer to a mapping", source=self.source,
                                 details={"line": line})
            merged.update(value)


def _children(node: Node) -> list[Node]:
    if isinstance(node, SequenceNode):
        return list(node.value)
    if isinstance(node, MappingNode):
        return [child for pair in node.value for child in pair]
    return []


def _lookup(node: Node | None, key: str) -> Node | None:
    if not isinstance(node, MappingNode):
        return None
    return next((v for k, v in node.value if isinstance(k, ScalarNode) and k.value == key), None)


def _scalar(node: ScalarNode) -> Any:
    """A scalar's value: null, boolean and numbers only in JSON spellings, otherwise the text as written."""
    text: str = node.value
    tag = node.tag
    if tag == _NULL and text in _NULLS:
        return None
    if tag == _BOOL and (text in _TRUE or text in _FALSE):
        return text in _TRUE
    if tag in (_INT, _FLOAT) and _JSON_FLOAT.match(text):
        return _number(text)
    return text


def _number(text: str) -> Any:
    try:
        value = int(text) if _JSON_INT.match(text) else float(text)
    except ValueError:  # an integer with more digits than Python converts
        return text
    if isinstance(value, float) and not math.isfinite(value):
        return text
    return value
