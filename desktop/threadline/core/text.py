"""Text hygiene shared by the runner and the stores."""

from __future__ import annotations


def valid_text(text: str) -> str:
    """``text`` with every code point UTF-8 cannot carry (a lone surrogate) replaced by U+FFFD.

    JSON allows ``"\\ud800"``, so a server or a tool can hand over a string that no store, JSON
    encoder or widget accepts. Surrogate pairs that arrive as two code points are joined. The
    common case (valid text) costs one encode in C.
    """
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return text
