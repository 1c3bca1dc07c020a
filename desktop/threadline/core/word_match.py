"""Word matching for stores without a full-text index (in memory, Redis), as FTS5 matches.

Every word of the query must be a word of the text (or any word, with ``match_any``); the last
may be the start of one, as it is while a person types. Case and accents are ignored.
"""

from __future__ import annotations

import re
import unicodedata

_WORD = re.compile(r"\w+", re.UNICODE)
SNIPPET_WORDS = 12


def fold(text: str) -> str:
    """``text`` without case and accents ("Équateur" -> "equateur")."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def query_words(query: str) -> list[str]:
    """The folded words of what a person typed (punctuation and operators are dropped)."""
    return _WORD.findall(fold(query))


def matches(words: list[str], text: str, *, match_any: bool = False) -> bool:
    """True when ``text`` holds the query ``words`` (see the module docstring)."""
    if not words:
        return False
    tokens = set(_WORD.findall(fold(text)))
    found = [_has(tokens, word, is_prefix=i == len(words) - 1) for i, word in enumerate(words)]
    return any(found) if match_any else all(found)


def snippet(words: list[str], text: str) -> str:
    """A few words of ``text`` around the first match, matches in brackets (as FTS5 marks)."""
    pieces = text.split()
    hits = [_matches_piece(words, piece) for piece in pieces]
    first = hits.index(True) if True in hits else 0
    start = max(0, first - SNIPPET_WORDS // 3)
    window = range(start, min(len(pieces), start + SNIPPET_WORDS))
    shown = " ".join(f"[{pieces[i]}]" if hits[i] else pieces[i] for i in window)
    return ("…" if start > 0 else "") + shown + ("…" if window.stop < len(pieces) else "")


def _matches_piece(words: list[str], piece: str) -> bool:
    tokens = set(_WORD.findall(fold(piece)))
    return any(_has(tokens, w, is_prefix=i == len(words) - 1) for i, w in enumerate(words))


def _has(tokens: set[str], word: str, *, is_prefix: bool) -> bool:
    if is_prefix:
        return any(token.startswith(word) for token in tokens)
    return word in tokens
