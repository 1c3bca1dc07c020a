"""Data types shared by the runner, the session store and the UI; imports nothing of ours."""

from threadline.core.events import (
    ErrorInfo,
    Event,
    EventActions,
    Message,
    ToolCall,
    Usage,
    new_id,
)
from threadline.core.session import Session, SessionSearchHit, SessionService, split_state

__all__ = [
    "ErrorInfo",
    "Event",
    "EventActions",
    "Message",
    "Session",
    "SessionSearchHit",
    "SessionService",
    "ToolCall",
    "Usage",
    "new_id",
    "split_state",
]
