"""
Nesting depth measured on the raw text, before any parser sees it.

Parsers recurse once per nesting level: PyYAML's C loader overflows the C stack at about 25,000
nested brackets, ``json`` and the pure-Python YAML loader raise ``RecursionError`` much earlier.
So the depth is measured here first, without recursion, and a document that is too deep is refused
with a :class:`~toolsync.errors.LimitError` naming the line.

The YAML measure follows YAML's own rules for where a flow collection (``[``/``{``) can start, so
that brackets inside plain, quoted and block scalars are not counted. Where it must guess it
counts *more* levels than a parser would see, never fewer: a guess may refuse an odd document,
but it never lets a deep one through.
"""

from __future__ import annotations

import re
from itertools import accumulate

from ..errors import LimitError

__all__ = ["check_json_depth", "check_yaml_depth"]

_NOT_JSON_SYNTAX = bytes(b for b in range(256) if b not in b'"[]{}')
_STEP = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}
_CHUNK = 65536
_ONE_KIND = bytes.maketrans(b"{}", b"[]")
_ESCAPED_QUOTE_OR_BACKSLASH = re.compile(rb'\\[\\"]')

_DQ_END = re.compile(r'[^"\\]*+(?:\\.[^"\\]*+)*+"', re.DOTALL)
# Possessive: "''" is an escaped quote and must never be split into a closing quote and a new one.
_SQ_END = re.compile(r"[^']*+(?:''[^']*+)*+'")
_FLOW_SPECIAL = re.compile(r"""["'\[\]{}#,:?]""")
_QUOTED_KEY = re.compile(r"""(?:"[^"\\]*+(?:\\.[^"\\]*+)*+"|'[^']*+(?:''[^']*+)*+')[ \t]*:(?:[ \t]|$)""")
_PLAIN_KEY_END = re.compile(r":(?:[ \t]|$)|[ \t]#")
_PROPERTIES = re.compile(r"(?:[&!][^ \t]*(?:[ \t]+|$))+")
_BLOCK_HEADER = re.compile(r"[|>](?:([1-9])[+-]?|[+-]([1-9])?)?[ \t]*(?:#.*)?$")
# "key: plain value" and "key:" with a simple plain key: most lines of a block-style spec.
_SIMPLE_KEY_LINE = re.compile(r"""(?:-(?=\S)|[\w$/.@~+(])[^:#'"\[\]{}]*:(?:[ \t]+([^\s\[\]{}|>"'&!#%@`]).*)?[ \t]*$""")
# After one of these a quote starts a quoted scalar; after anything else it is part of plain text.
_SCALAR_START = frozenset("[{,:?")


def _too_deep(limit: int, source: str, line: int | None = None) -> LimitError:
    where = f" (at line {line})" if line is not None else ""
    return LimitError(f"the document is nested more than {limit} levels deep{where}; raise limits.max_depth "
                      "if it is trusted", source=source, details={"limit": "max_depth", "max_depth": limit})


def check_json_depth(data: bytes, limit: int, source: str) -> None:
    """Raise :class:`LimitError` when JSON ``data`` nests arrays/objects more than ``limit`` deep."""
    brackets = _json_brackets(data)
    if _nests_within(brackets, limit):
        return
    depth = 0
    # Chunks keep memory flat and stop early on a deep document.
    for start in range(0, len(brackets), _CHUNK):
        steps = list(accumulate((_STEP[ch] for ch in brackets[start:start + _CHUNK]), initial=depth))
        if max(steps) > limit:
            raise _too_deep(limit, source)
        depth = steps[-1]


def _nests_within(brackets: bytes, limit: int) -> bool:
    """
    True when balanced ``brackets`` nest at most ``limit`` deep; False also when they are unbalanced.

    Each round deletes every innermost pair, so a balanced text is empty after exactly as many
    rounds as it is deep: a few C-speed passes over a shrinking string for a real spec.
    """
    rest = brackets.translate(_ONE_KIND)
    # A run of limit + 1 opening brackets settles it at once; without this check a deep document
    # would take limit passes over its whole length.
    too_deep = b"[" * (limit + 1)
    for _ in range(limit):
        if not rest:
            return True
        if too_deep in rest:
            return False
        rest = rest.replace(b"[]", b"")
    return not rest


def _json_brackets(data: bytes) -> bytes:
    """The brackets of a JSON text that lie outside strings, in order (C-speed steps only)."""
    if b"\\" in data:
        # Escapes pair up from the left: drop escaped backslashes and escaped quotes in one scan;
        # any backslash left escapes a letter and goes with the other text below.
        data = _ESCAPED_QUOTE_OR_BACKSLASH.sub(b"", data)
    # Keep only quotes and brackets; two adjacent quotes enclose nothing and can go without
    # changing which brackets lie inside a string. What is left splits cheaply at the quotes.
    kept = data.translate(None, delete=_NOT_JSON_SYNTAX).replace(b'""', b"")
    return b"".join(kept.split(b'"')[::2])


def check_yaml_depth(text: str, limit: int, source: str) -> None:
    """Raise :class:`LimitError` when YAML ``text`` nests (by indentation or brackets) more than ``limit`` deep."""
    scanner = _YamlDepth(limit, source)
    for number, line in enumerate(text.splitlines(), start=1):
        scanner.feed(line, number)


class _YamlDepth:
    """A line-by-line measure of YAML nesting: indentation levels, compact ``- -`` entries, flow brackets."""

    def __init__(self, limit: int, source: str) -> None:
        self.limit = limit
        self.source = source
        self.indents: list[float] = []
        # Open flow collections, innermost last: [is a sequence, holds an open "key: value" pair].
        # A pair inside a sequence ("[a: b]") is a one-entry mapping, one level deeper.
        self.brackets: list[list[bool]] = []
        self.flow = 0  # levels open in flow text: brackets plus pairs inside sequences
        self.flow_base = 0  # block depth the open flow collection sits at
        self.quote: str | None = None  # open quoted scalar spanning lines
        self.prev = "["  # last significant character inside flow text
        self.block_min: int | None = None  # inside a block scalar: its least content indentation
        self.block_indent: int | None = None  # its detected content indentation
        self.plain: int | None = None  # inside a multi-line plain scalar: lines deeper than this continue it

    def feed(self, line: str, number: int) -> None:
        if self.block_min is not None and self._in_block_scalar(line):
            return
        if self.quote or self.brackets:
            self._scan(line, number)
            return
        content = line.lstrip(" \t")
        if not content or content[0] == "#":
            return
        indent = len(line) - len(line.lstrip(" "))
        if self.plain is not None:
            if indent > self.plain:
                if " #" in content or "\t#" in content:
                    self.plain = None
                return
            self.plain = None
        self._block_line(content.rstrip(), indent, number)

    def _in_block_scalar(self, line: str) -> bool:
        if not line.strip(" \t"):
            return True
        indent = len(line) - len(line.lstrip(" "))
        if self.block_indent is None and self.block_min is not None and indent >= self.block_min:
            self.block_indent = indent
        if self.block_indent is not None and indent >= self.block_indent:
            return True
        self.block_min = self.block_indent = None
        return False

    def _block_line(self, content: str, indent: int, number: int) -> None:
        if indent == 0 and content[:3] in ("---", "...") and content[3:4] in ("", " ", "\t"):
            self.indents = []
            if content.startswith("---"):
                self._value(content[3:].lstrip(" \t"), -1, 0, number)
            return
        if indent == 0 and content[0] == "%":
            return
        simple = _SIMPLE_KEY_LINE.match(content)
        if simple:  # the common "key: plain text" or "key:" line, without the general analysis below
            self._open(indent)
            self._check(len(self.indents), number)
            self.plain = indent if simple.group(1) else None
            return
        column, rest = indent, content
        if not _is_entry(rest):
            self._open(column)
        # Sequence entries sit half a column right of their own indentation, so that a sequence
        # written at its parent mapping's indentation ("key:\n- a") still counts as one level deeper.
        while _is_entry(rest):
            # An explicit key or value ("? ", ": ") belongs to the mapping at its own column.
            self._open(column + 0.5 if rest[0] == "-" else column)
            stripped = rest[1:].lstrip(" \t")
            column += len(rest) - len(stripped)
            rest = stripped
        key_end = _key_end(rest)
        if key_end is not None:
            if column != indent:
                self._open(column)  # "- key: value" opens a mapping inside the entry
            rest = rest[key_end:].lstrip(" \t")
        self._check(len(self.indents), number)
        # After "- " or "? " a flow collection may be the key of a compact mapping ("- [a]: b"),
        # which would sit one level deeper; count it so.
        compact = key_end is None and column != indent
        self._value(rest, column, len(self.indents) + compact, number)

    def _open(self, level: float) -> None:
        """A node starts at ``level``: close the ones at or right of it and count it."""
        while self.indents and self.indents[-1] >= level:
            self.indents.pop()
        self.indents.append(level)

    def _value(self, value: str, column: int, depth: int, number: int) -> None:
        """React to the start of a node's value: a flow collection, quoted, block or plain scalar."""
        properties = _PROPERTIES.match(value)
        if properties:
            value = value[properties.end():]
        if not value or value[0] == "#":
            return
        first = value[0]
        if first in "|>" and _BLOCK_HEADER.match(value):
            match = _BLOCK_HEADER.match(value)
            explicit = next((int(g) for g in match.groups() if g), None) if match else None
            self.block_min = column + (explicit or 1)
            self.block_indent = column + explicit if explicit else None
        elif first in "[{\"'":
            self.flow_base, self.prev = depth, "["
            self._scan(value, number)
        else:
            self.plain = column

    def _scan(self, text: str, number: int) -> None:
        """Count brackets in flow text, skipping quoted scalars and comments; state carries across lines."""
        pos = 0
        if self.quote:
            pos = self._close_quote(text, 0)
            if pos < 0:
                return
        while True:
            match = _FLOW_SPECIAL.search(text, pos)
            if match is None:
                tail = text[pos:].strip()
                if tail:
                    self.prev = tail[-1]
                return
            at, ch = match.start(), match.group()
            before = text[pos:at].rstrip()
            if before:
                self.prev = before[-1]
            if ch == "#" and (at == 0 or text[at - 1] in " \t"):
                return
            pos = at + 1
            if ch in "\"'" and self.prev in _SCALAR_START:
                self.quote = ch
                pos = self._close_quote(text, pos)
                if pos < 0:
                    return
                continue
            self.prev = ch
            self._flow_token(ch, number)

    def _flow_token(self, ch: str, number: int) -> None:
        top = self.brackets[-1] if self.brackets else None
        if ch in "[{":
            self.brackets.append([ch == "[", False])
            self.flow += 1
        elif ch in "?:" and top is not None and top[0] and not top[1]:
            top[1] = True
            self.flow += 1
        elif ch == "," and top is not None and top[1]:
            top[1] = False
            self.flow -= 1
        elif ch in "]}" and top is not None:
            self.brackets.pop()
            self.flow -= 1 + top[1]
        self._check(self.flow_base + self.flow, number)

    def _close_quote(self, text: str, pos: int) -> int:
        """Position after the open quote's end on this line, or -1 when it goes on to the next line."""
        match = (_DQ_END if self.quote == '"' else _SQ_END).match(text, pos)
        if match is None:
            return -1
        self.quote, self.prev = None, "x"
        return match.end()

    def _check(self, depth: int, number: int) -> None:
        if depth > self.limit:
            raise _too_deep(self.limit, self.source, number)


def _is_entry(rest: str) -> bool:
    """True when the text starts with a block entry indicator: a sequence entry or an explicit key or value."""
    return rest[:1] in ("-", "?", ":") and rest[1:2] in ("", " ", "\t")


def _key_end(rest: str) -> int | None:
    """Where a block mapping key's ``:`` separator ends on this line, or None when there is no key."""
    properties = _PROPERTIES.match(rest)
    offset = properties.end() if properties else 0
    if offset >= len(rest) or rest[offset] in "[{|>":
        return None  # a flow collection is measured as a value, even when it turns out to be a key
    if rest[offset] in "\"'":
        match = _QUOTED_KEY.match(rest, offset)
    else:
        match = _PLAIN_KEY_END.search(rest, offset)
        if match is not None and match.group()[0] != ":":
            return None
    return match.end() if match else None
