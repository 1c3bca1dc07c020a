"""One exception tree: every error Threadline raises on purpose, each with a stable ``code``.

``str(exc)`` is a message a person can act on; ``exc.code`` is stable and safe to branch on
(the runner copies both into an error event's ``ErrorInfo``). ``except ThreadlineError``
catches them all. Each class lives beside the code that raises it and is imported from there.

The tree, with each ``code``:

* ``ThreadlineError`` (``error``, ``core.errors``): the base.

  * ``StorageError`` (``storage``, ``core.errors``): the session store cannot read or write
    (read-only or locked file, a closed store, a schema from a newer Threadline).

    * ``CorruptDatabaseError`` (``storage_corrupt``): the file is damaged; it was moved aside
      to ``moved_to`` and kept.
    * ``DatabaseInUseError`` (``storage_in_use``): another process has the data folder open.

  * ``ModelError`` (``runner.models``): a model call failed; the code is set per call:
    ``auth``, ``rate_limited``, ``server_error``, ``bad_request``, ``not_found``,
    ``network``, ``timeout``, ``stream_cut``.
  * ``MCPError`` (``mcp``, ``runner.mcp``): an MCP server could not be started, reached or
    understood.
  * ``ToolArgumentsError`` (``tool_arguments``, ``runner.tools``): the model's tool arguments
    are not JSON or do not match the tool's schema (goes back to the model as a tool error).
  * ``MaxTurnsExceeded`` (``max_turns``, ``runner.context``): more model requests than
    ``RunConfig.max_turns`` allows.
  * ``KeyringLockedError`` (``keyring_locked``, ``settings.secrets``): the keyring is locked,
    so a key could not be read; nothing is sent with a placeholder instead.
  * ``TeamError`` (``team``, ``app.teams``, also a ``ValueError``): agents the user defined
    cannot form a team (a loop, an unknown helper, a name used twice, an empty workflow).
  * ``NothingToResumeError`` (``nothing_to_resume``, ``runner.resume``; it only ever becomes
    an error event): ``resume`` found no paused call, or no decision for one.
  * ``UnknownAgentError`` (``unknown_agent``, ``runner.resume``, also a ``ValueError``; it
    becomes an error event): ``RunConfig.agent`` names an agent the runner's tree does not
    have, or the agent a paused call belongs to is not in the team ``resume`` runs.
  * ``NoArtifactServiceError`` (``no_artifact_service``, ``runner.context``): a tool or
    callback used artifacts, but the ``Runner`` has no ``artifact_service``.
  * ``ToolThreadsExhausted`` (``tool_threads_exhausted``, ``runner.tool_threads``): too many
    abandoned sync tool calls still run in the background; no new one is started (a tool
    error for the model).
  * ``SessionURLError`` (``session_url``, ``sessions.urls``, also a ``ValueError``): a
    ``--sessions`` URL names no store this installation can open.
  * ``AgentLoadError`` (``agent_load``, ``console.loader``, also a ``ValueError``): ``threadline
    chat --agent MODULE:ATTR`` names no agent.
  * ``ApiError`` (``serve.errors``; the code is set per error, with an HTTP status):
    ``threadline serve`` refuses a request (a malformed body, an unknown agent or session, a
    ``Last-Event-ID`` whose events are gone); it becomes an OpenAI-shaped JSON error.

Codes an error event can carry without a class of ours: ``timeout`` (the builtin
``TimeoutError``: the run took longer than ``RunConfig.timeout``), ``invalid_output`` (a reply
that does not match the agent's ``output_schema``) and ``internal`` (anything unexpected).
"""

from __future__ import annotations


class ThreadlineError(Exception):
    """The base of every error Threadline raises on purpose.

    Attributes:
        code: A stable machine-readable code (a class attribute; ``ModelError`` sets it per
            instance).
    """

    code: str = "error"


class StorageError(ThreadlineError):
    """The session store cannot read or write (read-only, locked, corrupt, newer schema)."""

    code = "storage"

    def __init__(self, message: str, *, path: str | None = None) -> None:
        super().__init__(message)
        self.path = path


class CorruptDatabaseError(StorageError):
    """The file is not a usable database; it was moved aside to ``moved_to`` and kept."""

    code = "storage_corrupt"

    def __init__(self, message: str, *, path: str, moved_to: str | None) -> None:
        super().__init__(message, path=path)
        self.moved_to = moved_to


class DatabaseInUseError(StorageError):
    """Another Threadline process already has this data file open."""

    code = "storage_in_use"
