"""Full-text search: complete results for common words, newest first, clean snippets."""

from __future__ import annotations

from pathlib import Path

import pytest

from threadline.core.events import Event, Message
from threadline.sessions import SQLiteSessionService
from threadline.sessions.search import CHUNK, snippet


def msg(text: str) -> Event:
    return Event(invocation_id="i", author="user", message=Message(role="user", content=text))


@pytest.mark.asyncio
async def test_a_word_in_every_message_finds_as_many_sessions_as_asked(tmp_path: Path) -> None:
    store = SQLiteSessionService(tmp_path / "s.db")
    for k in range(30):
        session = await store.create_session("app", "u", f"s{k:02d}")
        for i in range(20):
            await store.append_event(session, msg(f"bread number {i} of session {k}"))
        await store.rename_session("app", "u", session.id, f"Chat {k}")  # titles match apart
    hits = await store.search_sessions("app", "u", "bread", limit=20)
    # Newest first: the last 20 sessions written, each once.
    assert [h.session.id for h in hits] == [f"s{k:02d}" for k in range(29, 9, -1)]
    assert hits[0].snippet.startswith("[bread] number 19")
    await store.aclose()


@pytest.mark.asyncio
async def test_a_long_conversation_full_of_matches_does_not_hide_older_ones(
    tmp_path: Path,
) -> None:
    store = SQLiteSessionService(tmp_path / "s.db")
    old = await store.create_session("app", "u", "old")
    await store.append_event(old, msg("an old note about tides"))
    other = await store.create_session("app", "u", "other")
    await store.append_event(other, msg("nothing to see"))
    busy = await store.create_session("app", "u", "busy")
    for i in range(CHUNK * 3):
        await store.append_event(busy, msg(f"tides again {i}"))
    hits = await store.search_sessions("app", "u", "tides", limit=5)
    assert [h.session.id for h in hits] == ["busy", "old"]
    await store.aclose()


@pytest.mark.asyncio
async def test_whole_words_come_before_words_the_last_one_only_begins(tmp_path: Path) -> None:
    store = SQLiteSessionService(tmp_path / "s.db")
    whole = await store.create_session("app", "u", "whole")
    await store.append_event(whole, msg("the tide turned"))
    begins = await store.create_session("app", "u", "begins")
    await store.append_event(begins, msg("tidewater rising"))  # newer, but only a prefix
    for session in (whole, begins):
        await store.rename_session("app", "u", session.id, "Chat")
    hits = await store.search_sessions("app", "u", "tide")
    assert [h.session.id for h in hits] == ["whole", "begins"]
    assert [h.session.id for h in await store.search_sessions("app", "u", "ti")] == []
    await store.aclose()


def test_snippets_mark_the_match_ignoring_case_and_accents() -> None:
    text = "one two three four five Équateur six seven eight nine ten eleven twelve thirteen"
    assert snippet(text, ["equateur"], width=6) == "…four five [Équateur] six seven eight…"
    assert snippet("no match here", ["zebra"]) == "no match here"
