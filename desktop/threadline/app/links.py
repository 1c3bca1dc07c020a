"""Which links a model's text may carry: only the web and mail, never the window's own."""

from __future__ import annotations

# The window's own actions travel as ``act:`` and ``copy:`` links; a reply must never be able
# to trigger one, so links in model text are kept only for these schemes.
SAFE_SCHEMES = ("https:", "http:", "mailto:")


def is_web_link(href: str) -> bool:
    """True for a link a reply may carry."""
    return href.strip().lower().startswith(SAFE_SCHEMES)
