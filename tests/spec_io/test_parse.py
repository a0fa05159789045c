"""parse_document: encodings, JSON and YAML, YAML 1.1 scalars, duplicate keys and every limit."""

from __future__ import annotations

import json
import time

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from toolsync.errors import LimitError, ParseError, ToolsyncError, UnsupportedSpecError
from toolsync.limits import Limits
from toolsync.spec.parse import parse_document, parse_value

LIMITS = Limits()

# The classic "billion laughs": nine levels of nine aliases, 645 bytes.
BILLION_LAUGHS = b"""a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
j: &j [*i,*i,*i,*i,*i,*i,*i,*i,*i]
k: &k [*j,*j,*j,*j,*j,*j,*j,*j,*j]
l: &l [*k,*k,*k,*k,*k,*k,*k,*k,*k]
m: &m [*l,*l,*l,*l,*l,*l,*l,*l,*l]
"""


def parse(data: bytes, source: str = "spec.yaml", limits: Limits = LIMITS, **kw: str) -> object:
    return parse_value(data, source=source, limits=limits, **kw)


def test_yaml_and_json_give_the_same_document() -> None:
    """The same spec in YAML and in JSON parses to equal plain dicts."""
    document = {"openapi": "3.1.0", "info": {"title": "T", "version": "1"}, "paths": {"/a": {"get": {
        "responses": {"200": {"description": "ok"}}, "parameters": [{"name": "n", "in": "query"}]}}}}
    as_yaml = parse_document(yaml.safe_dump(document).encode(), source="s.yaml", limits=LIMITS)
    as_json = parse_document(json.dumps(document).encode(), source="s.json", limits=LIMITS)
    assert as_yaml == as_json == document


def test_yaml_11_scalars_stay_as_written() -> None:
    """NO, yes, on, dates, octal-looking and underscored numbers stay the strings the author wrote."""
    data = b"a: [NO, yes, on, Off, y, 2024-01-01, 2001-12-14t21:59:43.10-05:00, 0755, 1_000, 0x1F, .inf, 1:20]\n"
    assert parse(data) == {"a": ["NO", "yes", "on", "Off", "y", "2024-01-01", "2001-12-14t21:59:43.10-05:00",
                                 "0755", "1_000", "0x1F", ".inf", "1:20"]}


def test_json_spelled_scalars_are_typed() -> None:
    """null, booleans and numbers in JSON spellings become None, bool, int and float."""
    data = b"a: [null, ~, true, False, 0, -12, 1.5, 2e3, -0.25E-2]\nb:\n"
    assert parse(data) == {"a": [None, None, True, False, 0, -12, 1.5, 2000.0, -0.0025], "b": None}


def test_version_fields_keep_their_spelling() -> None:
    """openapi: 3.0 is "3.0" and info.version 1.10 is "1.10", not the floats 3.0 and 1.1."""
    document = parse_document(b"openapi: 3.0\ninfo:\n  version: 1.10\n  x: 1.10\n", source="s", limits=LIMITS)
    assert document == {"openapi": "3.0", "info": {"version": "1.10", "x": 1.1}}
    as_json = parse_document(b'{"swagger": 2.0, "info": {"version": 2}}', source="s.json", limits=LIMITS)
    assert as_json == {"swagger": "2.0", "info": {"version": "2"}}


def test_non_string_keys_become_the_written_text() -> None:
    """Response codes and other non-string keys become strings spelled as in the file."""
    data = b"responses:\n  200: {description: ok}\n  404: {}\n  true: x\n  1.50: y\n  null: z\n"
    assert parse(data) == {"responses": {"200": {"description": "ok"}, "404": {}, "true": "x", "1.50": "y",
                                         "null": "z"}}


def test_duplicate_paths_key_is_refused_with_lines() -> None:
    """A YAML file with two `paths` keys is refused, naming both lines."""
    data = b"openapi: 3.1.0\npaths:\n  /a: {}\ninfo: {}\npaths:\n  /b: {}\n"
    with pytest.raises(ParseError) as info:
        parse(data)
    assert "duplicate key 'paths' at line 5 (first at line 2)" in info.value.message
    assert info.value.details["line"] == 5


def test_duplicate_keys_spelled_differently_collide() -> None:
    """200 and "200" are the same key once keys are strings, so they are duplicates."""
    with pytest.raises(ParseError, match="duplicate key '200'"):
        parse(b"r:\n  200: a\n  '200': b\n")


def test_merge_keys_are_expanded() -> None:
    """YAML merge keys (<<) copy the anchored mapping; explicit keys win."""
    data = b"base: &b {x: 1, y: 2}\nuse:\n  <<: *b\n  y: 3\nmany:\n  <<: [{p: 1}, {p: 2, q: 2}]\n"
    assert parse(data) == {"base": {"x": 1, "y": 2}, "use": {"x": 1, "y": 3}, "many": {"p": 1, "q": 2}}


def test_complex_keys_are_refused() -> None:
    """A list used as a mapping key cannot become JSON and is refused."""
    with pytest.raises(ParseError, match="keys must be plain text"):
        parse(b"? [a, b]\n: 1\n")


def test_billion_laughs_fails_fast() -> None:
    """A tiny alias bomb is a LimitError in milliseconds, without expanding it."""
    assert len(BILLION_LAUGHS) < 1000
    started = time.perf_counter()
    with pytest.raises(LimitError) as info:
        parse(BILLION_LAUGHS)
    assert info.value.details["limit"] == "max_nodes"
    assert time.perf_counter() - started < 5  # generous: a bomb that expanded would take hours


def test_the_645_byte_billion_laughs_is_refused() -> None:
    """The textbook 645-byte bomb (nine levels) is refused by the node limit."""
    bomb = b"\n".join(BILLION_LAUGHS.splitlines()[:9]) + b"\n"
    assert len(bomb) < 700
    with pytest.raises(LimitError, match="alias bomb"):
        parse(bomb)


def test_alias_count_is_limited() -> None:
    """More aliases than limits.max_aliases is a LimitError even when the expansion is small."""
    data = b"a: &a x\nb: [" + b",".join([b"*a"] * 50) + b"]\n"
    assert len(parse(data)["b"]) == 50  # type: ignore[index]
    with pytest.raises(LimitError, match="aliases"):
        parse(data, limits=Limits(max_aliases=10))


def test_recursive_alias_is_refused() -> None:
    """An alias inside its own anchor would be a cycle, which JSON cannot hold."""
    with pytest.raises(ParseError, match="recursive alias"):
        parse(b"a: &a\n  b: *a\n")


@pytest.mark.parametrize("depth", [10_000, 100_000])
@pytest.mark.parametrize(("opening", "closing", "source"), [
    (b"[", b"]", "deep.json"),
    (b'{"a":', b"}", "deep.json"),
    (b"[", b"]", "deep.yaml"),
    (b"{a: ", b"}", "deep.yaml"),
])
def test_deep_bracket_nesting_is_refused(depth: int, opening: bytes, closing: bytes, source: str) -> None:
    """10,000- and 100,000-deep brackets are a LimitError, never a crash or RecursionError."""
    data = opening * depth + b"1" + closing * depth
    with pytest.raises(LimitError) as info:
        parse(data, source=source)
    assert info.value.details["limit"] == "max_depth"


def test_unclosed_deep_brackets_are_refused() -> None:
    """Opening brackets without their closing ones are measured too."""
    with pytest.raises(LimitError):
        parse(b"key: " + b"[" * 100_000)


def test_deep_yaml_indentation_is_refused() -> None:
    """A mapping nested by indentation 10,000 levels deep is a LimitError naming the line."""
    data = b"".join(b" " * i + b"a:\n" for i in range(10_000))
    with pytest.raises(LimitError, match="at line 257"):
        parse(data)


def test_deep_compact_sequences_are_refused() -> None:
    """"- - - - x" nests one sequence per dash, all on one line."""
    with pytest.raises(LimitError):
        parse(b"- " * 10_000 + b"x\n")


def test_brackets_inside_scalars_do_not_count() -> None:
    """Brackets in block, quoted and plain scalars are text, not nesting."""
    many = "[" * 400
    data = (f"a: |\n  {many}\n  {many}\nb: '{many}'\nc: \"{many}\"\nd: x{many}\n"
            f"e: plain\n  continued {many}\nf: [\"{']' * 400}\", [1]]\n").encode()
    document = parse(data)
    assert document["a"] == f"{many}\n{many}\n"  # type: ignore[index]
    assert document["f"] == ["]" * 400, [1]]  # type: ignore[index]


def test_depth_limit_is_configurable() -> None:
    """A document exactly at the depth limit parses; one level more does not."""
    data = b"[" * 5 + b"]" * 5
    assert parse(data, source="x.json", limits=Limits(max_depth=5)) == [[[[[]]]]]
    with pytest.raises(LimitError):
        parse(data, source="x.json", limits=Limits(max_depth=4))


def _nested(levels: int, kind: str) -> bytes:
    """JSON with exactly ``levels`` containers inside each other: lists, objects, or both in turn."""
    if kind == "mixed":
        pairs, odd = divmod(levels, 2)
        return b'[{"a":' * pairs + (b"[1]" if odd else b"1") + b"}]" * pairs
    opening, closing = (b"[", b"]") if kind == "list" else (b'{"a":', b"}")
    return opening * levels + b"1" + closing * levels


@pytest.mark.parametrize("kind", ["list", "object", "mixed"])
@pytest.mark.parametrize("max_depth", [200, 256, 300, 1000])
def test_json_depth_limit_is_exact_around_orjson_depths(kind: str, max_depth: int) -> None:
    """Around the depths orjson writes (254) and reads (1,024) the limit stays exact, whatever it is set to."""
    limits = Limits(max_depth=max_depth)
    for levels in (199, 200, 201, 253, 254, 255, 256, 257, 299, 300, 301, 999, 1000, 1001, 1024, 1025, 5000):
        data = _nested(levels, kind)
        if levels <= max_depth:
            assert parse(data, source="x.json", limits=limits) is not None
        else:
            with pytest.raises(LimitError):
                parse(data, source="x.json", limits=limits)


def test_node_limit_applies_to_plain_documents() -> None:
    """A YAML document with more values than limits.max_nodes is refused."""
    data = b"a: [" + b",".join([b"1"] * 100) + b"]\n"
    with pytest.raises(LimitError, match="max_nodes"):
        parse(data, limits=Limits(max_nodes=50))


def test_size_limit() -> None:
    """Bytes beyond limits.max_bytes are refused before parsing."""
    with pytest.raises(LimitError, match="larger"):
        parse(b"a: 1\n" * 100, limits=Limits(max_bytes=100))


def test_utf8_bom_is_dropped() -> None:
    """A UTF-8 byte-order mark is not part of the document."""
    assert parse(b"\xef\xbb\xbfopenapi: 3.1.0\n") == {"openapi": "3.1.0"}
    assert parse(b'\xef\xbb\xbf{"openapi": "3.1.0"}', source="x.json") == {"openapi": "3.1.0"}


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32"])
def test_utf16_and_utf32_are_refused_with_advice(encoding: str) -> None:
    """UTF-16/32 text, with or without a byte-order mark, is refused with advice to save as UTF-8."""
    with pytest.raises(ParseError, match=r"UTF-(16|32)|NUL"):
        parse("openapi: 3.1.0\ninfo: {}\n".encode(encoding))


@pytest.mark.parametrize(("data", "message"), [
    (b"", "empty"),
    (b"   \n\t\n  ", "only whitespace"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary file"),
    (bytes(range(128, 256)) * 4, "not UTF-8"),
    (b"openapi: 3.1.0\ninfo: \xc3\x28\n", "line 2, column 7"),
    (b"# only a comment\n", "empty"),
])
def test_unusable_bytes_are_refused_clearly(data: bytes, message: str) -> None:
    """Empty, whitespace-only, binary and invalid UTF-8 input is a ParseError that says which."""
    with pytest.raises(ParseError, match=message):
        parse(data)


@pytest.mark.parametrize(("data", "source", "message"), [
    (b"a: [1, 2\nb: 3\n", "x.yaml", "line"),
    (b"a: b: c\n", "x.yaml", "line 1"),
    (b'{"a": 1,}', "x.json", "not valid JSON"),
    (b'{"a": NaN}', "x.json", "NaN"),
    (b"---\na: 1\n---\nb: 2\n", "x.yaml", "more than one YAML document"),
    (b"a: \x07\n", "x.yaml", "not valid YAML"),
])
def test_syntax_errors_name_the_position(data: bytes, source: str, message: str) -> None:
    """JSON and YAML syntax errors are ParseErrors with the source and position."""
    with pytest.raises(ParseError) as info:
        parse(data, source=source)
    assert message in info.value.message
    assert info.value.source == source


def test_yaml_flow_mapping_is_not_mistaken_for_json() -> None:
    """"{a: 1}" is not JSON, but without a JSON extension it is read as YAML."""
    assert parse(b"{a: 1, b: [x, y]}", source="spec.yaml") == {"a": 1, "b": ["x", "y"]}
    with pytest.raises(ParseError, match="JSON"):
        parse(b"{a: 1}", source="spec.json")
    with pytest.raises(ParseError, match="JSON"):
        parse(b"{a: 1}", source="https://x.test/spec", media_type="application/json")


def test_json_oddities_are_read() -> None:
    """Integers beyond 64 bits (as floats, like most JSON readers) and lone surrogate escapes are read."""
    assert parse(b'{"n": 123456789012345678901234567890, "m": 1}', source="x.json") == {
        "n": 1.2345678901234568e29, "m": 1}
    assert parse(b'{"s": "\\ud800"}', source="x.json") == {"s": "\ud800"}


def test_parse_document_requires_a_mapping() -> None:
    """A top-level list or scalar is not a spec."""
    with pytest.raises(UnsupportedSpecError, match="a list"):
        parse_document(b"- a\n- b\n", source="x.yaml", limits=LIMITS)
    with pytest.raises(UnsupportedSpecError, match="single value"):
        parse_document(b"just text\n", source="x.yaml", limits=LIMITS)


def test_result_is_plain_json() -> None:
    """Whatever the YAML says, the result round-trips through JSON unchanged."""
    data = b"a: !!binary aGVsbG8=\nb: !custom {x: 2024-01-01}\nc: !!set {x, y}\nd: !!timestamp 2001-12-14\n"
    document = parse(data)
    assert json.loads(json.dumps(document)) == document
    assert document == {"a": "aGVsbG8=", "b": {"x": "2024-01-01"}, "c": {"x": None, "y": None},
                        "d": "2001-12-14"}


_PIECES = ["[", "]", "{", "}", "'", '"', "#", ": ", ",", "- ", "? ", " ", "\n", "\n  ", "a", "|", ">", "&x ", "*x",
           "!t ", "\\", "\t", "---\n", "<<: ", "1e999", "9" * 30, "~", "\x85", "\x07", "é"]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=60), st.sampled_from(["x.yaml", "x.json"]))
def test_any_input_ends_in_a_toolsync_error_or_a_value(pieces: list[str], source: str) -> None:
    """Whatever the text, parsing returns plain JSON values or raises a ToolsyncError, never anything else."""
    try:
        value = parse("".join(pieces).encode(), source=source, limits=Limits(max_depth=20, max_aliases=20))
    except ToolsyncError:
        return
    assert json.loads(json.dumps(value, allow_nan=False)) == value
