"""Sessions and their branches as a Qt tree model over plain nodes (fast for 10,000 rows)."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex, Qt, Signal

Index = QModelIndex | QPersistentModelIndex
# Computed once: the view asks for every row's flags, and combining enum flags is slow.
# Top-level rows are handed to the view in batches as it scrolls: laying out 10,000 rows
# through Python calls costs ~60 ms, the first screenful a few.
BATCH = 200
_ROW_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEditable
_MARKUP = re.compile(r"[*_`#>|]+")  # Markdown marks read badly in a one-line label
SESSION_ID_ROLE = Qt.ItemDataRole.UserRole + 1
HEADER_ROLE = Qt.ItemDataRole.UserRole + 2  # "Pinned", "Today"…: the group a row opens
PINNED_ROLE = Qt.ItemDataRole.UserRole + 3
DAY = 86400.0


def group_start(updated_at: float, now: float | None = None) -> float:
    """When the date group of ``updated_at`` begins (see ``date_group``)."""
    current = time.localtime(now)
    midnight = time.mktime((*current[:3], 0, 0, 0, 0, 0, -1))
    for start in (midnight, midnight - DAY, midnight - 6 * DAY, midnight - 29 * DAY):
        if updated_at >= start:
            return start
    then = time.localtime(updated_at)
    return time.mktime((then.tm_year, then.tm_mon, 1, 0, 0, 0, 0, 0, -1))


def date_group(updated_at: float, now: float | None = None) -> str:
    """The sidebar group of a conversation last changed at ``updated_at``, as peers group:
    Today, Yesterday, Previous 7 days, Previous 30 days, then by month ("March 2026")."""
    current = time.localtime(now)
    midnight = time.mktime((*current[:3], 0, 0, 0, 0, 0, -1))
    if updated_at >= midnight:
        return "Today"
    if updated_at >= midnight - DAY:
        return "Yesterday"
    if updated_at >= midnight - 6 * DAY:
        return "Previous 7 days"
    if updated_at >= midnight - 29 * DAY:
        return "Previous 30 days"
    return time.strftime("%B %Y", time.localtime(updated_at))


@dataclass(eq=False, slots=True)
class SessionNode:
    """One row of the sidebar (slots: 50,000 of them are written to on every rebuild, and a
    fresh node's first writes would otherwise grow its attribute dict: 60 ms instead of 20)."""

    id: str
    title: str
    parent_id: str | None = None
    updated_at: float = 0.0
    fork_text: str = ""
    snippet: str = ""
    parent: SessionNode | None = None
    children: list[SessionNode] = field(default_factory=list)
    row: int = 0
    key: int = 0  # position in the model's node list: the index's internalId
    pinned: bool = False  # kept at the top of the sidebar
    header: str = ""  # the group this row opens ("" inside a group)

    @property
    def label(self) -> str:
        """What the sidebar shows."""
        title = self.title or "New conversation"
        if self.parent is None:
            return title
        if self.title and self.title != self.parent.title:  # its own (an edit's new words)
            return f"↳ {_clip(self.title, 40)}"
        if self.fork_text:  # inherited: where it branched
            return f"↳ {_clip(self.fork_text, 40)}"
        return title


def _clip(text: str, limit: int) -> str:
    text = " ".join(_MARKUP.sub("", text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


class SessionTreeModel(QAbstractItemModel):
    """Roots are conversations; branches nest under the session they came from.

    Signals:
        rename_requested(str, str): a session id and the title typed in place (F2).
    """

    rename_requested = Signal(str, str)

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._all: list[SessionNode] = []
        self._roots: list[SessionNode] = []
        self._by_id: dict[str, SessionNode] = {}
        self._filter = ""
        self._marked: list[SessionNode] = []  # nodes the last rebuild gave a parent, children,
        # a snippet or a header: the next one clears just these
        self._index_dirty = True  # _all changed: keys and _by_id are made again
        self._shown = 0  # top-level rows handed to the view so far (fetchMore adds more)

    # -- content -----------------------------------------------------------------------------

    def set_sessions(self, nodes: list[SessionNode]) -> None:
        """Replaces every row (newest conversations first)."""
        self._all = nodes
        self._index_dirty = True
        self._rebuild()

    def set_filter(self, text: str, hits: dict[str, str] | None = None) -> None:
        """Shows only sessions whose title contains ``text`` or that are in ``hits``.

        ``hits`` maps session ids found by full-text search to a snippet. Filtered rows are flat.
        """
        self._filter = text.strip().casefold()
        self._hits = hits or {}
        self._rebuild()

    def _rebuild(self) -> None:
        # 50,000 conversations: each pass over them costs milliseconds, so few passes, and
        # only the nodes the last rebuild marked are cleared (not all 50,000 again).
        self.beginResetModel()
        for node in self._marked:
            node.children = []
            node.parent = None
            node.snippet = ""
            node.header = ""
        marked: list[SessionNode] = []
        if self._index_dirty:
            by_id: dict[str, SessionNode] = {}
            for key, node in enumerate(self._all):
                node.key = key
                by_id[node.id] = node
            self._by_id = by_id
            self._index_dirty = False
        by_id = self._by_id
        roots: list[SessionNode] = []
        families: list[SessionNode] = []
        if self._filter:
            hits = getattr(self, "_hits", {})
            wanted = self._filter
            for node in self._all:
                if node.id in hits:
                    node.snippet = hits[node.id]
                    marked.append(node)
                    roots.append(node)
                elif wanted in node.title.casefold():
                    roots.append(node)
        else:
            # Most rows are conversations, not branches: one comprehension sorts them out.
            roots = [n for n in self._all if not n.parent_id or n.parent_id not in by_id]
            for node in [n for n in self._all if n.parent_id and n.parent_id in by_id]:
                parent = by_id[node.parent_id or ""]
                node.parent = parent
                marked.append(node)
                if not parent.children:
                    families.append(parent)
                    marked.append(parent)
                parent.children.append(node)
            for parent in families:
                parent.children.sort(key=lambda n: n.updated_at)
            roots, headed = self._grouped(roots)
            marked.extend(headed)
        self._marked = marked
        self._roots = roots
        self._shown = min(len(roots), BATCH)
        for siblings in [roots, *(n.children for n in families)]:
            for row, node in enumerate(siblings):
                node.row = row
        self.endResetModel()

    @staticmethod
    def _grouped(roots: list[SessionNode]) -> tuple[list[SessionNode], list[SessionNode]]:
        """Pinned conversations first, then by date (roots come newest first); the first row
        of each group carries its header (returned too). The group changes only where a row is
        older than the current group's start, so 50,000 rows cost a comparison each."""
        pinned = [n for n in roots if n.pinned]
        headed: list[SessionNode] = []
        if pinned:
            roots = pinned + [n for n in roots if not n.pinned]
            pinned[0].header = "Pinned"
            headed.append(pinned[0])
        now = time.time()
        group, start = "", float("inf")
        for node in roots[len(pinned) :]:
            if node.updated_at < start or not group:
                group = date_group(node.updated_at, now)
                start = group_start(node.updated_at, now)
                node.header = group
                headed.append(node)
        return roots, headed

    def parents_with_branches(self) -> list[str]:
        """Ids of the shown sessions that have branches under them."""
        return [n.id for n in self._all if n.children]

    def node(self, session_id: str) -> SessionNode | None:
        """The node of a session, if listed."""
        return self._by_id.get(session_id)

    def index_of(self, session_id: str) -> QModelIndex:
        """The index of a session's row; invalid when it is filtered out or not fetched yet
        (bringing in thousands of rows to point at one would lay them all out)."""
        node = self._by_id.get(session_id)
        if node is None:
            return QModelIndex()
        siblings = node.parent.children if node.parent is not None else self._roots
        if node.row >= len(siblings) or siblings[node.row] is not node:
            return QModelIndex()
        top = node
        while top.parent is not None:
            top = top.parent
        if top.row >= self._shown:
            return QModelIndex()
        return self.createIndex(node.row, 0, node.key)

    def upsert(self, node: SessionNode) -> None:
        """Adds a session or updates its title in place."""
        existing = self._by_id.get(node.id)
        if existing is not None and existing.parent_id == node.parent_id:
            existing.title = node.title
            existing.updated_at = node.updated_at or time.time()
            index = self.index_of(node.id)
            if index.isValid():
                self.dataChanged.emit(index, index)
            return
        self._all = [n for n in self._all if n.id != node.id]
        self._all.insert(0, node)
        self._index_dirty = True
        self._rebuild()

    # -- Qt model API ------------------------------------------------------------------------

    def index(self, row: int, column: int, parent: Index = QModelIndex()) -> QModelIndex:  # noqa: B008
        if parent.isValid():
            siblings = self._all[parent.internalId()].children
            limit = len(siblings)
        else:
            siblings, limit = self._roots, self._shown
        if column or row < 0 or row >= limit:
            return QModelIndex()
        # Integer ids, not Python objects: internalPointer() hands back borrowed references.
        return self.createIndex(row, 0, siblings[row].key)

    def parent(self, index: Index = QModelIndex()) -> QModelIndex:  # type: ignore[override]  # noqa: B008
        if not index.isValid():
            return QModelIndex()
        node = self._node_at(index)
        if node.parent is None:
            return QModelIndex()
        return self.createIndex(node.parent.row, 0, node.parent.key)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        if not parent.isValid():
            return self._shown
        if parent.column() != 0:
            return 0
        return len(self._all[parent.internalId()].children)

    def canFetchMore(self, parent: Index) -> bool:
        return not parent.isValid() and self._shown < len(self._roots)

    def fetchMore(self, parent: Index) -> None:
        if not parent.isValid():
            self._fetch_to(self._shown + BATCH)

    def _fetch_to(self, count: int) -> None:
        count = min(count, len(self._roots))
        if count > self._shown:
            self.beginInsertRows(QModelIndex(), self._shown, count - 1)
            self._shown = count
            self.endInsertRows()

    def hasChildren(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        # Asked for every row while the view lays out: keep it to one lookup.
        if not parent.isValid():
            return bool(self._roots)
        return bool(self._all[parent.internalId()].children)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 1

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        node = self._node_at(index)
        if role == Qt.ItemDataRole.DisplayRole:
            return node.label
        if role == Qt.ItemDataRole.EditRole:
            return node.title
        if role == Qt.ItemDataRole.ToolTipRole:
            tip = node.title or "New conversation"
            if node.fork_text:
                tip += f"\nBranched at: {_clip(node.fork_text, 120)}"
            if node.snippet:
                tip += f"\n…{node.snippet}…"
            return tip
        if role == SESSION_ID_ROLE:
            return node.id
        if role == HEADER_ROLE:
            return node.header
        if role == PINNED_ROLE:
            return node.pinned
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        # Hidden in the window, but screen readers read the column's header ("1" without it).
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return "Conversation"
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        return _ROW_FLAGS if index.isValid() else Qt.ItemFlag.NoItemFlags

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if not index.isValid() or role != Qt.ItemDataRole.EditRole:
            return False
        title = str(value).strip()
        node = self._node_at(index)
        if not title or title == node.title:
            return False
        node.title = title
        node.fork_text = "" if node.parent is not None else node.fork_text
        self.dataChanged.emit(index, index)
        self.rename_requested.emit(node.id, title)
        return True

    def _node_at(self, index: Index) -> SessionNode:
        return self._all[index.internalId()]

    def _children_of(self, parent: Index) -> list[SessionNode]:
        if not parent.isValid():
            return self._roots
        node = self._node_at(parent)
        return node.children
