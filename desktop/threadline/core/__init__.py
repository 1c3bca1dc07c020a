"""Data types shared by the runner, the session store and the UI; imports nothing of ours."""

from threadline.core.errors import (
    CorruptDatabaseError,
    DatabaseInUseError,
    StorageError,
    ThreadlineError,
)
from threadline.core.event_log import EventLog, StoredMessage
from threadline.core.events import (
    ErrorInfo,
    Event,
    EventActions,
    EventTag,
    FilePart,
    ImagePart,
    Message,
    Part,
    ToolCall,
    Usage,
    new_id,
)
from threadline.core.session import Session, SessionSearchHit, SessionService, split_state

__all__ = [
    "CorruptDatabaseError",
    "DatabaseInUseError",
    "ErrorInfo",
    "Event",
    "EventActions",
    "EventLog",
    "EventTag",
    "FilePart",
    "ImagePart",
    "Message",
    "Part",
    "Session",
    "SessionSearchHit",
    "SessionService",
    "StorageError",
    "StoredMessage",
    "ThreadlineError",
    "ToolCall",
    "Usage",
    "new_id",
    "split_state",
]
