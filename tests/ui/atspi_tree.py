"""Reads (and works) a running application through the Linux accessibility bus, as a screen
reader does. Run with the system Python (Debian's ``python3-pyatspi`` is not in the venv):

    /usr/bin/python3 tests/ui/atspi_tree.py dump APP
        prints the application's accessible tree as JSON: name, role, states, description,
        the names of its labels (labelled-by relations), action names and children.
    /usr/bin/python3 tests/ui/atspi_tree.py act APP ROLE NAME ACTION
        does ACTION (e.g. "Press") on the first object with that role and name.
    /usr/bin/python3 tests/ui/atspi_tree.py set-text APP ROLE NAME TEXT
        replaces the text of the first editable object with that role and name.

Exit status 0 on success, 3 when the application or the object is not (yet) there: callers
ask again until a deadline. Nothing here waits or sleeps.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from typing import Any

import pyatspi

MAX_DEPTH = 40
MAX_CHILDREN = 400  # a long list's rows beyond these are not needed by any test
NOT_FOUND = 3


def _safe(read: Any, default: Any) -> Any:
    try:
        return read()
    except Exception:  # an object gone while it is read: the next poll sees the new tree
        return default


def _labels(acc: Any) -> list[str]:
    names: list[str] = []
    for relation in _safe(acc.getRelationSet, []):
        if relation.getRelationType() == pyatspi.RELATION_LABELLED_BY:
            for i in range(relation.getNTargets()):
                names.append(_safe(lambda r=relation, i=i: r.getTarget(i).name, "") or "")
    return names


def _actions(acc: Any) -> list[str]:
    action = _safe(acc.queryAction, None)
    if action is None:
        return []
    return [_safe(lambda i=i: action.getName(i), "") for i in range(action.nActions)]


def node(acc: Any, depth: int = 0) -> dict[str, Any]:
    """One accessible object and its children, as plain data."""
    states = _safe(lambda: acc.getState().getStates(), [])
    children: list[dict[str, Any]] = []
    if depth < MAX_DEPTH:
        for i in range(min(_safe(lambda: acc.childCount, 0), MAX_CHILDREN)):
            child = _safe(lambda i=i: acc.getChildAtIndex(i), None)
            if child is not None:
                children.append(node(child, depth + 1))
    return {
        "name": _safe(lambda: acc.name, "") or "",
        "role": _safe(acc.getRoleName, ""),
        "states": [pyatspi.stateToString(s) for s in states],
        "description": _safe(lambda: acc.description, "") or "",
        "labelled_by": _labels(acc),
        "actions": _actions(acc),
        "children": children,
    }


def application(name: str) -> Any:
    """The running application called ``name`` on the accessibility bus, or None."""
    desktop = pyatspi.Registry.getDesktop(0)
    for i in range(desktop.childCount):
        app = _safe(lambda i=i: desktop.getChildAtIndex(i), None)
        if app is not None and _safe(lambda app=app: app.name, "") == name:
            return app
    return None


def walk(acc: Any, depth: int = 0) -> Iterator[Any]:
    """Every object under ``acc``, depth first."""
    yield acc
    if depth < MAX_DEPTH:
        for i in range(min(_safe(lambda: acc.childCount, 0), MAX_CHILDREN)):
            child = _safe(lambda i=i: acc.getChildAtIndex(i), None)
            if child is not None:
                yield from walk(child, depth + 1)


def find(app: Any, role: str, name: str) -> Any:
    """The first showing object with ``role`` and ``name``, or None."""
    for acc in walk(app):
        if (
            _safe(acc.getRoleName, "") == role
            and (_safe(lambda a=acc: a.name, "") or "") == name
            and _safe(lambda a=acc: a.getState().contains(pyatspi.STATE_SHOWING), False)
        ):
            return acc
    return None


def main(argv: list[str]) -> int:
    command, app_name, *rest = argv
    app = application(app_name)
    if app is None:
        return NOT_FOUND
    if command == "dump":
        print(json.dumps(node(app)))
        return 0
    role, name, value = rest
    target = find(app, role, name)
    if target is None:
        return NOT_FOUND
    if command == "act":
        action = target.queryAction()
        names = [action.getName(i) for i in range(action.nActions)]
        if value not in names:
            print(f"no action {value!r} on {role} {name!r}: {names}", file=sys.stderr)
            return 2
        return 0 if action.doAction(names.index(value)) else 2
    if command == "set-text":
        return 0 if target.queryEditableText().setTextContents(value) else 2
    print(f"unknown command {command!r}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
