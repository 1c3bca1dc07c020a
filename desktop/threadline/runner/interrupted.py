"""What a stopped or cut reply leaves behind: the text streamed so far, saved as interrupted."""

from __future__ import annotations

from threadline.core.events import Event, EventTag, Message
from threadline.core.session import Session, SessionService


async def save_interrupted(
    service: SessionService,
    session: Session,
    invocation_id: str,
    unsaved: dict[tuple[str, str], list[str]],
    thinking: dict[tuple[str, str], list[str]],
) -> None:
    """Saves what each stream had written (text and reasoning) as an ``interrupted`` reply,
    then forgets it (Stop, a cut stream, a failure mid-reply)."""
    for author, branch in list({**unsaved, **thinking}):
        text = "".join(unsaved.get((author, branch), ()))
        reasoning = "".join(thinking.get((author, branch), ())).strip() or None
        if text or reasoning:
            message = Message(role="assistant", content=text, reasoning=reasoning, interrupted=True)
            await service.append_event(
                session,
                Event(
                    invocation_id=invocation_id,
                    author=author,
                    branch=branch,
                    message=message,
                    tag=EventTag.INTERRUPTED,
                ),
            )
    unsaved.clear()
    thinking.clear()
