"""Conversations exported by other apps, as Threadline sessions: ChatGPT and Claude.

``reader.py`` tells the formats apart and checks the whole file; ``chatgpt.py`` (a tree of
messages, its other paths as branches) and ``claude.py`` (a flat list) convert one
conversation each; ``common.py`` holds what both read the same way.
"""

from threadline.sessions.foreign.chatgpt import CHATGPT
from threadline.sessions.foreign.claude import CLAUDE
from threadline.sessions.foreign.common import ASSISTANT, IMAGE_NOTE, NOTE
from threadline.sessions.foreign.reader import UNKNOWN_LIST, ForeignImport, kind_of, read_foreign

__all__ = [
    "ASSISTANT",
    "CHATGPT",
    "CLAUDE",
    "IMAGE_NOTE",
    "NOTE",
    "UNKNOWN_LIST",
    "ForeignImport",
    "kind_of",
    "read_foreign",
]
