"""``main()``: the ``threadline`` command, which starts the desktop app (or, as
``threadline chat``, a conversation in the terminal; as ``threadline serve``, an HTTP server).

Kept to nothing but the entry point: everything imported before the first frame delays it
(logging and dataclasses alone cost 20 ms). The app is assembled in ``ui/shell/root.py``, the
terminal conversation in ``console/``, the server in ``serve/``.
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    """Starts the desktop app, ``threadline chat`` or ``threadline serve``; returns the exit code.

    ``argv`` is the whole command line, program name first (``sys.argv`` by default).
    """
    args = sys.argv if argv is None else argv
    if len(args) > 1 and args[1] == "chat":
        from threadline.console import main as chat  # no Qt on this path

        return chat(args[2:])
    if len(args) > 1 and args[1] == "serve":
        try:
            from threadline.serve import main as serve  # no Qt on this path either
        except ModuleNotFoundError as exc:  # Starlette, sse-starlette and uvicorn are an extra
            if exc.name not in ("starlette", "sse_starlette", "uvicorn"):
                raise
            print(f"threadline serve: {exc}; install threadline[serve]", file=sys.stderr)
            return 2
        return serve(args[2:])
    if len(args) > 2 and args[1] == "--restart-after":  # Settings → Storage → Restart
        from threadline.app.restart import start_after

        started = start_after(int(args[2]), args[3:])
        if started is not None:
            return started
        args = args[:1]  # this process becomes the app
    from threadline.ui.shell.launch import run  # the Qt side lives in ui/, the only Qt importer

    return run(args)
