"""
A tool's arguments: one object whose properties are the operation's parameters and body.

* Path, query, header and cookie parameters become arguments of the same name, their
  description moved into the property schema (``Accept``, ``Content-Type`` and
  ``Authorization`` headers are ignored, as OpenAPI says).
* An object body is flattened: each property becomes an argument bound to ``BODY_FIELD``
  (``allOf`` parts merged first). Any other body (array, string, binary, ``oneOf``, a map…) is
  one argument, ``body`` by default, bound to ``BODY``.
* Argument names keep the spec's spelling when it fits ``[A-Za-z0-9_.-]{1,64}`` (the strictest
  property-key rule among providers); other characters become ``_``.
* Clashes are renamed the same way every time: a body field that shares a parameter's name
  becomes ``body_<name>`` (a whole body, ``request_body``); parameters of one name in several
  locations all become ``<location>_<name>`` (``path_id``, ``query_id``); anything still equal
  gets ``_2``, ``_3``… in declaration order. Every rename is a ``RENAMED`` note, and the
  binding keeps the name the request uses.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping
from functools import lru_cache
from typing import Any, Final

from .._json import is_mapping
from ..errors import ConversionError
from ..ir import MediaType, Operation, Parameter, ParamLocation
from ..tool import ArgLocation, ArgumentBinding, ConversionNote, NoteKind
from .merge import merge_all_of
from .naming import key_hash
from .options import ToolOptions
from .schema import BINARY_HINT, RequestSchemaPass, required_rule, rule_sentence
from .text import clean_text, cut
from .walk import def_name, escape

__all__ = ["Arguments", "build_arguments", "is_json_media"]

_BAD_CHARS: Final = re.compile(r"[^A-Za-z0-9_.-]+")
_PLACEHOLDER: Final = re.compile(r"{([^{}]+)}")
_IGNORED_HEADERS: Final = frozenset({"accept", "content-type", "authorization"})
_AS_ARGUMENT: Final = {location: ArgLocation(location.value) for location in ParamLocation}
_ORDER: Final = {ParamLocation.PATH: 0, ParamLocation.QUERY: 1, ParamLocation.HEADER: 2, ParamLocation.COOKIE: 3}
_BODY: Final = (ArgLocation.BODY, ArgLocation.BODY_FIELD)
_MAX: Final = 64


class _Arg:
    """One argument on its way to a property (a plain class: a compiled dataclass builds through interpreted code)."""

    __slots__ = ("location", "media_type", "name", "param", "required", "schema", "wire")

    def __init__(self, wire: str, location: ArgLocation, schema: Any, required: bool, *,
                 param: Parameter | None = None, media_type: str | None = None) -> None:
        self.wire = wire
        self.location = location
        self.schema = schema
        self.required = required
        self.param = param
        self.media_type = media_type
        self.name = ""

    def binding(self) -> ArgumentBinding:
        p = self.param
        if p is None:
            return _binding(self.name, self.location, self.wire, self.required, None, None, False, self.media_type,
                            None)
        return _binding(self.name, self.location, self.wire, self.required, p.style, p.explode, p.allow_reserved,
                        self.media_type, p.content_type)


# Bindings are immutable and repeat across a spec's operations (``owner``, ``repo``, ``per_page``…):
# one instance per distinct binding saves their construction and their memory.
@lru_cache(maxsize=8192)
def _binding(argument: str, location: ArgLocation, name: str, required: bool, style: str | None,
             explode: bool | None, allow_reserved: bool, media_type: str | None,
             content_type: str | None) -> ArgumentBinding:
    return ArgumentBinding(argument, location, name, required, style, explode, allow_reserved, media_type,
                           content_type)


class Arguments:
    """The properties and required names of a tool's input, with bindings and notes (a plain class: built natively)."""

    __slots__ = ("bindings", "notes", "properties", "required", "rules")

    def __init__(self, properties: dict[str, Any], required: list[str], bindings: tuple[ArgumentBinding, ...],
                 notes: list[ConversionNote], rules: list[str]) -> None:
        self.properties = properties
        self.required = required
        self.bindings = bindings
        self.notes = notes
        # Rules between body fields that flattening cannot keep in the schema, as sentences.
        self.rules = rules


def is_json_media(media_type: str) -> bool:
    base = media_type.split(";", 1)[0].strip().lower()
    return base == "application/json" or base.endswith("+json")


def _arg_name(wire: str) -> str:
    # Only names that needed a replacement lose their edge underscores ("page[size]" -> "page_size").
    name = _BAD_CHARS.sub("_", wire).strip("_") if _BAD_CHARS.search(wire) else wire
    name = name or "arg"
    return name if len(name) <= _MAX else f"{name[:_MAX - 9]}_{key_hash(wire)}"


def _with_text(schema: Any, description: str, deprecated: bool, budget: int) -> Any:
    text = clean_text(description)
    if deprecated:
        text = f"Deprecated: {text}" if text else "Deprecated."
    if not text:
        return schema
    base: Mapping[str, Any] = schema if is_mapping(schema) else ({} if schema is not False else {"not": {}})
    extra: dict[str, Any] = {"description": cut(text, budget)}
    if deprecated:
        extra["deprecated"] = True
    return {**base, **extra}


class _Builder:
    def __init__(self, op: Operation, options: ToolOptions, clean: RequestSchemaPass, source: str) -> None:
        self.op, self.options, self.clean, self.source = op, options, clean, source
        self.notes: list[ConversionNote] = []
        self.rules: list[tuple[str, list[list[str]]]] = []  # body rules said in the tool description

    def resolve(self, schema: Mapping[str, Any]) -> Mapping[str, Any] | None:
        ref = schema.get("$ref")
        name = def_name(ref) if isinstance(ref, str) else None
        target = self.op.defs.get(name) if name is not None else None
        return target if is_mapping(target) else None

    def _described(self, schema: Any, description: str, deprecated: bool) -> Any:
        # Parameters such as "owner" or "per_page" recur in hundreds of operations of a spec.
        if not description and not deprecated:
            return schema
        key = (id(schema), description, deprecated)
        hit = self.clean.described.get(key)
        if hit is None:
            hit = self.clean.described[key] = (_with_text(schema, description, deprecated,
                                                          self.options.description_budget), schema)
        return hit[0]

    def parameters(self) -> list[_Arg]:
        args: list[_Arg] = []
        for p in sorted(self.op.parameters, key=lambda p: _ORDER.get(p.location, 4)):
            if p.location == ParamLocation.HEADER and p.name.lower() in _IGNORED_HEADERS:
                self.notes.append(ConversionNote(NoteKind.DROPPED, f"header parameter {p.name!r} is ignored "
                                                 "(OpenAPI: Accept, Content-Type and Authorization headers are)"))
                continue
            schema = self._described(self.clean.visit(p.schema, f"/properties/{escape(p.name)}"), p.description,
                                     p.deprecated)
            required = p.required or p.location == ParamLocation.PATH
            args.append(_Arg(p.name, _AS_ARGUMENT[p.location], schema, required, param=p))
        self._check_path(args)
        return args

    def _check_path(self, args: list[_Arg]) -> None:
        declared = {a.wire for a in args if a.location == ArgLocation.PATH}
        missing = [name for name in _PLACEHOLDER.findall(self.op.path) if name not in declared]
        if missing:
            raise ConversionError(f"the path {self.op.path!r} uses {{{missing[0]}}} but the operation declares "
                                  "no path parameter of that name; add it to the operation's parameters",
                                  source=self.source, pointer=self.op.pointer or None)

    def body(self) -> list[_Arg]:
        body = self.op.request_body
        media = body.preferred() if body is not None else None
        if body is None or media is None:
            return []
        shape = self._object_shape(media.schema) if self.options.flatten_body else None
        if shape is not None:
            fields = self._fields(shape, media, body.required)
            if fields:
                return fields
        schema = self._described(self._whole(media), body.description, False)
        return [_Arg(self.options.body_argument, ArgLocation.BODY, schema, body.required,
                     media_type=media.media_type)]

    def _object_shape(self, schema: Any) -> Mapping[str, Any] | None:
        """The object whose properties become arguments, or None to keep the body whole."""
        if not is_mapping(schema):
            return None
        if "$ref" in schema or "allOf" in schema:
            merged = merge_all_of([schema], self.resolve)
            if merged is None:
                return None
            schema = merged
        rule = required_rule(schema)
        if rule is not None:
            schema = {k: v for k, v in schema.items() if k != rule[0]}
            self.rules.append(rule)
        if any(k in schema for k in ("oneOf", "anyOf", "not", "if", "patternProperties")):
            return None
        props = schema.get("properties")
        if schema.get("type", "object") != "object" or not is_mapping(props) or not props:
            return None
        if schema.get("additionalProperties", False) is not False:
            return None
        return schema if schema.get("unevaluatedProperties", False) is False else None

    def _fields(self, shape: Mapping[str, Any], media: MediaType, body_required: bool) -> list[_Arg]:
        required = shape.get("required")
        wanted = set(required) if isinstance(required, list) and body_required else set()
        fields: list[_Arg] = []
        for name, sub in shape["properties"].items():
            if is_mapping(sub) and sub.get("readOnly") is True:
                self.notes.append(ConversionNote(NoteKind.DROPPED, f"body property {name!r} is readOnly and "
                                                 "is left out", pointer=f"/properties/{escape(str(name))}"))
                continue
            if sub is False:  # no value is valid: the request can never carry it
                self.notes.append(ConversionNote(NoteKind.DROPPED, f"body property {name!r} accepts no value "
                                                 "(its schema is false) and is left out"))
                continue
            schema = self.clean.visit(sub, f"/properties/{escape(str(name))}")
            fields.append(_Arg(str(name), ArgLocation.BODY_FIELD, schema, name in wanted,
                               media_type=media.media_type))
        return fields

    def _whole(self, media: MediaType) -> Any:
        kind = media.media_type.split(";", 1)[0].strip().lower()
        schema = self.clean.visit(media.schema, f"/properties/{escape(self.options.body_argument)}")
        if schema not in ({}, True):
            return schema
        if is_json_media(kind) or "form" in kind:
            return schema
        if kind.startswith("text/") or kind.endswith("xml"):
            return {"type": "string"}
        return {"type": "string", "contentEncoding": "base64", "contentMediaType": media.media_type,
                "description": BINARY_HINT}

    def settle_names(self, args: list[_Arg]) -> None:
        groups: defaultdict[str, list[_Arg]] = defaultdict(list)
        for arg in args:
            arg.name = _arg_name(arg.wire)
            groups[arg.name].append(arg)
        for name, group in groups.items():
            params = [a for a in group if a.location not in _BODY]
            if len({a.location for a in params}) > 1:
                for a in params:
                    a.name = _arg_name(f"{a.location.value}_{name}")
            for a in group:
                if params and a.location in _BODY:
                    a.name = "request_body" if a.location == ArgLocation.BODY else _arg_name(f"body_{name}")
        taken: set[str] = set()
        for arg in args:
            base, n = arg.name, 2
            while arg.name in taken:
                arg.name, n = _arg_name(f"{base}_{n}"), n + 1
            taken.add(arg.name)
            if arg.name != arg.wire:
                self.notes.append(ConversionNote(NoteKind.RENAMED, f"{arg.location.value} {arg.wire!r} is the "
                                                 f"argument {arg.name!r}", pointer=f"/properties/{escape(arg.name)}"))


def build_arguments(op: Operation, options: ToolOptions, clean: RequestSchemaPass, source: str) -> Arguments:
    """
    The arguments of ``op``.

    Raises:
        ConversionError: the path uses a placeholder no path parameter fills.
    """
    builder = _Builder(op, options, clean, source)
    args = builder.parameters() + builder.body()
    builder.settle_names(args)
    properties = {a.name: a.schema for a in args}
    required = [a.name for a in args if a.required]
    fields = {a.wire: a.name for a in args if a.location == ArgLocation.BODY_FIELD}
    rules = [rule_sentence(kw, [[fields.get(n, n) for n in g] for g in groups]) for kw, groups in builder.rules
             if fields]
    if rules:
        builder.notes.append(ConversionNote(NoteKind.CHANGED, "a rule on which body fields are required is said "
                                            "in the description"))
    return Arguments(properties, required, tuple(a.binding() for a in args), builder.notes, rules)
