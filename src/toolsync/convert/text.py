"""
Descriptions as a model reads them: clean, deduplicated, within budget.

Text from a spec reaches the model's context verbatim, so characters a reader cannot see are
removed: C0 and C1 controls (except newline and tab), format characters (zero-width space and
joiners, bidi embeddings, overrides and isolates, BOM, soft hyphen, the invisible tag block that
can smuggle ASCII), lone surrogates and the supplementary variation selectors. Markdown is kept.
"""

from __future__ import annotations

import re
from typing import Final

__all__ = ["clean_text", "combine", "cut", "one_line"]

ELLIPSIS: Final = "…"

# Unicode categories Cc and Cf (Unicode 15), surrogates, line/paragraph separators and the
# variation selectors supplement; tests compare this list with unicodedata. The surrogates are written
# as escapes for the regex engine (a raw string): a lone surrogate cannot sit in a compiled module's literal.
_INVISIBLE: Final = re.compile(
    "["
    "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
    "\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e"
    "\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f"
    r"\ufeff\ufff9-\ufffb\ud800-\udfff"
    "\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"
    "\U000e0001\U000e0020-\U000e007f\U000e0100-\U000e01ef"
    "]+"
)
_BLANK_RUN: Final = re.compile(r"\n{3,}")
_TRAILING_SPACE: Final = re.compile(r"[ \t]+\n")
_SUPPLEMENT_VS: Final = "\U000e0100"


def _maybe_invisible(text: str) -> bool:
    # C-speed screening: printable text below the variation selectors supplement has nothing to remove.
    flat = text.replace("\n", "").replace("\t", "") if "\n" in text or "\t" in text else text
    return not flat.isprintable() or (not flat.isascii() and max(flat, default=" ") >= _SUPPLEMENT_VS)


def clean_text(text: str) -> str:
    """``text`` without invisible characters, with ``\\n`` line ends and at most one blank line."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if _maybe_invisible(text):
        text = _INVISIBLE.sub("", text)
    if " \n" in text or "\t\n" in text:
        text = _TRAILING_SPACE.sub("\n", text)
    if "\n\n\n" in text:
        text = _BLANK_RUN.sub("\n\n", text)
    return text.strip()


def one_line(text: str) -> str:
    """Whitespace runs collapsed to one space, for titles."""
    return " ".join(text.split())


def _key(text: str) -> str:
    return one_line(text).rstrip(".").casefold()


def combine(summary: str, description: str) -> str:
    """Summary and description as one text; one is left out when the other already contains it."""
    summary, description = clean_text(summary), clean_text(description)
    if not summary:
        return description
    short = _key(summary)
    folded = description.casefold()
    # ``short in _key(description)``, without normalizing the whole description (which costs more than
    # the rest): an occurrence as written survives the normalization, and one across whitespace is
    # looked for where the first word of ``short`` occurs.
    if short in folded or (" " in short and _occurs_flat(short, folded)):
        return description
    if not description or (_may_be_within(short, description) and _key(description) in short):
        return summary
    return f"{summary}\n\n{description}"


def _occurs_flat(short: str, folded: str) -> bool:
    """
    Whether ``short`` occurs in ``one_line(folded)``.

    ``short`` is a key (single spaces, no leading blank). An occurrence starts where its first word does
    in ``folded``; from there, the text with its blank runs collapsed is compared, over a window just long
    enough (a window's collapsed form is a prefix of the rest's, so a long enough one settles it).
    """
    first = short.partition(" ")[0]
    need = len(short)
    start = folded.find(first)
    while start >= 0:
        width = need + 16
        while True:
            flat = " ".join(folded[start:start + width].split())
            if len(flat) >= need or start + width >= len(folded):
                break
            width *= 2
        if flat.startswith(short):
            return True
        start = folded.find(first, start + 1)
    return False


def _may_be_within(short: str, text: str) -> bool:
    """
    False only when ``_key(text)`` is longer than ``short``, so cannot be inside it.

    ``text`` is cleaned (:func:`clean_text`). ``_key(text)`` is at least as long as its non-blank characters
    less its trailing dots; that count is only taken for ASCII text, whose blanks after cleaning are spaces,
    tabs and newlines.
    """
    if not text.isascii():
        return True
    floor = len(text.rstrip(".")) - text.count(" ") - text.count("\t") - text.count("\n")
    return floor <= len(short)


def cut(text: str, budget: int) -> str:
    """``text`` in at most ``budget`` characters; a cut ends with ``…``, at a word end when near."""
    if len(text) <= budget:
        return text
    head = text[: budget - len(ELLIPSIS)]
    space = max(head.rfind(" "), head.rfind("\n"))
    # Cut at a word end unless that throws away more than a fifth of the budget.
    if space > budget * 4 // 5:
        head = head[:space]
    return head.rstrip() + ELLIPSIS
