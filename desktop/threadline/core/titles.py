"""How a session gets its title: the first words of the first user message."""

from __future__ import annotations

from threadline.core.events import Event

TITLE_LENGTH = 60


def title_from_event(current: str, event: Event) -> str | None:
    """The title to set after ``event``, or None to keep ``current``."""
    if current or event.author != "user" or event.message is None:
        return None
    text = " ".join(event.message.content.split())
    if not text:
        return None
    return text if len(text) <= TITLE_LENGTH else text[: TITLE_LENGTH - 1].rstrip() + "…"
