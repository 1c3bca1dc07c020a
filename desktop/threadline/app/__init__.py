"""The application layer between the window and the runner and store, with no Qt in it.

What the app runs (``hub``: models, tools, teams; ``teams``; ``tools``: the built-in tools;
``mcp_servers``: the user's MCP servers), what it does to conversations (``conversations``:
open, branch, regenerate, edit, export, import), the approvals a paused run waits for
(``approvals``), the live instruction's versions (``instructions``), what the timeline shows
(``timeline``, ``markdown``) and the services below the UI (``services``).
"""
