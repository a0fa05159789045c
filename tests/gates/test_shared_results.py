"""The gate's shortcuts (shared findings, one walk, per-keyword meta-schema checks) change no finding."""

from __future__ import annotations

import copy
from typing import Any

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from toolsync.gates import GateOptions, check_tool, shared_schemas
from toolsync.gates._metaschema import _META, _format_errors, _key, _node_errors_cached
from toolsync.gates._schema import iter_subschemas, iter_subschemas_with_levels, object_depth

from .test_metaschema import _KEYWORDS, _VALUES

_SCHEMA_KEYS = st.sampled_from(["type", "properties", "items", "additionalProperties", "anyOf", "oneOf", "allOf",
                                "prefixItems", "$defs", "definitions", "not", "patternProperties", "required"])
_TYPES = st.sampled_from(["object", "array", "string", ["object", "null"]])
_SCHEMAS = st.recursive(
    st.fixed_dictionaries({}, optional={"type": _TYPES}),
    lambda c: st.one_of(st.dictionaries(_SCHEMA_KEYS, st.one_of(c, st.lists(c, max_size=2), _TYPES,
                                                                st.dictionaries(st.text(max_size=2), c, max_size=2)),
                                        max_size=4)),
    max_leaves=20)


@settings(max_examples=300, deadline=None)
@given(node=st.dictionaries(_KEYWORDS, _VALUES, max_size=5))
def test_keyword_errors_match_whole_node_errors(node: dict[str, Any]) -> None:
    """Checking a node keyword by keyword gives the errors, order included, of validating it whole."""
    key = _key(node)
    if key is not None:
        assert _node_errors_cached(key) == _format_errors(_META.iter_errors(orjson.loads(key)))


@settings(max_examples=300, deadline=None)
@given(schema=_SCHEMAS)
def test_levels_give_object_depth(schema: dict[str, Any]) -> None:
    """One walk yields the sub-schemas of iter_subschemas and, as its largest level, object_depth."""
    walked = list(iter_subschemas_with_levels(schema, "/p"))
    assert [(p, id(n)) for p, n, _ in walked] == [(p, id(n)) for p, n in iter_subschemas(schema, "/p")]
    assert max((level for _, _, level in walked), default=0) == object_depth(schema)


def _broken_params() -> dict[str, Any]:
    return {"type": "object", "properties": {"a": {"type": "text", "default": 1}, "b": {"type": "object"}},
            "required": ["a", "zz"], "allOf": [{"minLength": -1}]}


def _definitions(params: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    return {
        "openai": [{"type": "function", "name": "one", "parameters": params, "strict": True},
                   {"type": "function", "name": "two", "parameters": params},
                   {"type": "function", "name": "three", "parameters": params, "strict": False}],
        "openai-chat": [{"type": "function", "function": {"name": "four", "parameters": params, "strict": True}}],
        "anthropic": [{"name": "five", "input_schema": params, "strict": True}, {"name": "six", "input_schema": params}],
        "mcp": [{"name": "seven", "inputSchema": params, "outputSchema": params}],
        "gemini": [{"name": "eight", "parametersJsonSchema": params}],
    }


def test_shared_schemas_give_the_same_findings() -> None:
    """Tools sharing one broken schema get, inside shared_schemas(), the findings each gets alone."""
    params = _broken_params()
    for options in (GateOptions(use_sdk=False), GateOptions(use_sdk=False, warnings=False)):
        alone = {p: [check_tool(p, copy.deepcopy(d), options=options) for d in defs]
                 for p, defs in _definitions(params).items()}
        with shared_schemas():
            shared = {p: [check_tool(p, d, options=options) for d in defs]
                      for p, defs in _definitions(params).items()}
        assert shared == alone
        assert any(i.is_error for issues in shared["openai"] for i in issues)


_STRICT_LEAVES = st.fixed_dictionaries({}, optional={
    "type": st.sampled_from(["object", "object", "object", "string", ["string", "null"], "text"]),
    "enum": st.lists(st.sampled_from(["a", "bb", 1]), max_size=3),
    "format": st.sampled_from(["uuid", "uri"]), "default": st.just(1), "const": st.just("c"),
    "$ref": st.sampled_from(["#/$defs/d", "#/$defs/missing", "other.json"]), "not": st.just({}),
    "additionalProperties": st.sampled_from([False, False, True])})
_STRICT_KEYS = st.sampled_from(["properties", "items", "additionalProperties", "anyOf", "allOf", "$defs",
                                "patternProperties", "not"])


def _strict_pool(draw: Any) -> list[dict[str, Any]]:
    """Sub-schemas where later ones reuse earlier ones (the same objects), as rendered tools share them."""
    pool: list[dict[str, Any]] = []
    for _ in range(draw(st.integers(1, 6))):
        node = dict(draw(_STRICT_LEAVES))
        for key in draw(st.lists(_STRICT_KEYS, max_size=3, unique=True)):
            picks = [pool[i] for i in draw(st.lists(st.integers(0, len(pool) - 1), max_size=3))] if pool else []
            if key in ("properties", "$defs", "patternProperties"):
                node[key] = {f"k{i}": sub for i, sub in enumerate(picks)}
                if key == "properties":
                    node["required"] = list(node[key])[: draw(st.sampled_from([0, len(picks), len(picks)]))]
            elif key in ("anyOf", "allOf"):
                node[key] = picks
            elif picks:
                node[key] = picks[0]
        pool.append(node)
    return pool


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_strict_check_memo_matches_the_plain_walk(data: Any) -> None:
    """Strict findings with clean subtrees remembered across tools equal those of the plain walk, in order."""
    import toolsync.gates._openai as openai_gate

    pool = _strict_pool(data.draw)
    roots = [{"type": "object", "properties": {f"p{i}": pool[j] for i, j in enumerate(picks)},
              "required": [f"p{i}" for i in range(len(picks))], "additionalProperties": False,
              "$defs": {"d": pool[0]}}
             for picks in data.draw(st.lists(st.lists(st.integers(0, len(pool) - 1), max_size=4), min_size=1,
                                             max_size=4))]
    tools = [{"type": "function", "name": f"t{n}", "parameters": root, "strict": True}
             for n, root in enumerate(roots)]
    # Limits small enough for these schemas to cross them: totals and depth from the memo are compared too.
    limits = {"MAX_PROPERTIES": 1, "MAX_CHARS": 6, "MAX_ENUM_VALUES": 2, "MAX_DEPTH": 2, "OLD_MAX_DEPTH": 1}
    saved = {name: getattr(openai_gate, name) for name in limits}
    for name, value in limits.items():
        setattr(openai_gate, name, value)
    try:
        _compare_strict_walks(tools, openai_gate)
    finally:
        for name, value in saved.items():
            setattr(openai_gate, name, value)


def _compare_strict_walks(tools: list[dict[str, Any]], openai_gate: Any) -> None:
    for options in (GateOptions(use_sdk=False), GateOptions(use_sdk=False, warnings=False)):
        with shared_schemas():
            remembered = [check_tool("openai", t, options=options) for t in tools]

        def plain(self: Any, node: Any, where: str) -> int:
            raise RecursionError  # sends the check to the iterative walk, which keeps no memo

        original = openai_gate._SubtreeWalk.visit
        openai_gate._SubtreeWalk.visit = plain
        try:
            walked = [check_tool("openai", t, options=options) for t in tools]
        finally:
            openai_gate._SubtreeWalk.visit = original
        assert remembered == walked


def test_strict_check_of_a_schema_deeper_than_the_stack() -> None:
    """A schema nested past the recursion limit is still checked whole, by the iterative walk."""
    import sys

    leaf: dict[str, Any] = {"type": "string", "format": "uri"}
    node = leaf
    for _ in range(sys.getrecursionlimit() + 50):
        node = {"anyOf": [node]}
    params = {"type": "object", "properties": {"deep": node}, "required": ["deep"], "additionalProperties": False}
    issues = check_tool("openai", {"type": "function", "name": "deep", "parameters": params, "strict": True},
                        options=GateOptions(use_sdk=False))
    assert any(i.rule == "openai.strict.format" for i in issues)


def test_remembered_subtrees_count_toward_every_tools_limits(monkeypatch: Any) -> None:
    """A clean sub-schema shared by two tools adds its properties, names, enum values and depth to both."""
    import toolsync.gates._openai as openai_gate

    for name, value in {"MAX_PROPERTIES": 2, "MAX_CHARS": 4, "MAX_ENUM_VALUES": 1, "MAX_DEPTH": 2}.items():
        monkeypatch.setattr(openai_gate, name, value)
    shared = {"type": "object", "additionalProperties": False, "required": ["a", "b"],
              "properties": {"a": {"type": "string", "enum": ["x", "y"]},
                             "b": {"type": "object", "properties": {}, "additionalProperties": False}}}
    tools = [{"type": "function", "name": f"t{n}", "strict": True,
              "parameters": {"type": "object", "properties": {"s": shared}, "required": ["s"],
                             "additionalProperties": False}} for n in range(2)]
    with shared_schemas():
        rules = [sorted(i.rule for i in check_tool("openai", t, options=GateOptions(use_sdk=False))) for t in tools]
    expected = ["openai.strict.limit-chars", "openai.strict.limit-depth", "openai.strict.limit-enum-values",
                "openai.strict.limit-properties"]
    assert rules == [expected, expected]


_GEMINI_LEAVES = st.fixed_dictionaries({}, optional={
    "type": st.sampled_from(["OBJECT", "STRING", "ARRAY", "string", ["STRING", "NULL"], "TEXT"]),
    "enum": st.lists(st.sampled_from(["a", 1]), max_size=2), "format": st.sampled_from(["enum", "uuid"]),
    "nullable": st.sampled_from([True, "yes"]), "$ref": st.just("#/x"), "required": st.just(["k0", "zz"])})
_GEMINI_KEYS = st.sampled_from(["properties", "items", "anyOf", "additionalProperties", "defs"])


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_gemini_memo_matches_the_work_list(data: Any) -> None:
    """Gemini schema findings with clean subtrees remembered across tools equal the work list's, in order."""
    import toolsync.gates._gemini as gemini_gate

    pool: list[dict[str, Any]] = []
    for _ in range(data.draw(st.integers(1, 6))):
        node = dict(data.draw(_GEMINI_LEAVES))
        for key in data.draw(st.lists(_GEMINI_KEYS, max_size=3, unique=True)):
            picks = [pool[i] for i in data.draw(st.lists(st.integers(0, len(pool) - 1), max_size=3))] if pool else []
            if key in ("properties", "defs"):
                node[key] = {f"k{i}": sub for i, sub in enumerate(picks)}
            elif key == "anyOf":
                node[key] = picks
            elif picks:
                node[key] = picks[0]
        pool.append(node)
    tools = [{"name": f"t{n}", "description": "d",
              "parameters": {"type": "OBJECT", "properties": {f"p{i}": pool[j] for i, j in enumerate(picks)}}}
             for n, picks in enumerate(data.draw(st.lists(st.lists(st.integers(0, len(pool) - 1), max_size=4),
                                                          min_size=1, max_size=4)))]
    for options in (GateOptions(use_sdk=False), GateOptions(use_sdk=False, warnings=False),
                    GateOptions(use_sdk=False, gemini_backend="vertex")):
        with shared_schemas():
            remembered = [check_tool("gemini", t, options=options) for t in tools]
        original = gemini_gate._Subtrees.visit

        def plain(self: Any, node: Any, where: str, is_root: bool) -> None:
            raise RecursionError  # sends the check to the work list, which keeps no memo

        gemini_gate._Subtrees.visit = plain  # type: ignore[method-assign]
        try:
            walked = [check_tool("gemini", t, options=options) for t in tools]
        finally:
            gemini_gate._Subtrees.visit = original  # type: ignore[method-assign]
        assert remembered == walked
