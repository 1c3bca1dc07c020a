"""The SQL of the PostgreSQL store: every statement one round trip, none O(history) on a write."""

from __future__ import annotations

# The lineage of a session, leaf first: each ancestor with the last seq the chain inherits
# from it (``lim``; NULL = all of the leaf's own rows). Branches of branches nest to any depth.
LINEAGE = """
WITH RECURSIVE chain (pk, parent_pk, fork_seq, lim) AS (
    SELECT pk, parent_pk, fork_seq, NULL::bigint FROM sessions WHERE pk = $1
    UNION ALL
    SELECT s.pk, s.parent_pk, s.fork_seq, LEAST(c.lim, c.fork_seq)
    FROM sessions s JOIN chain c ON s.pk = c.parent_pk
)
"""

HISTORY = (
    LINEAGE
    + """
SELECT e.body FROM chain c
JOIN events e ON e.session_pk = c.pk AND (c.lim IS NULL OR e.seq <= c.lim)
ORDER BY e.seq
"""
)

# The newest $2 events: each segment is read backwards through (session_pk, seq) and cut at
# $2, so a long history costs what the limit asks for, not its length.
NEWEST = (
    LINEAGE
    + """
SELECT body FROM (
    SELECT e.seq, e.body FROM chain c CROSS JOIN LATERAL (
        SELECT seq, body FROM events
        WHERE session_pk = c.pk AND (c.lim IS NULL OR seq <= c.lim)
        ORDER BY seq DESC LIMIT $2
    ) e
    ORDER BY e.seq DESC LIMIT $2
) newest ORDER BY seq
"""
)

_FIND = """
SELECT e.seq FROM chain c
JOIN events e ON e.session_pk = c.pk AND e.id = $2 AND (c.lim IS NULL OR e.seq <= c.lim)
"""
FIND_IN_HISTORY = LINEAGE + _FIND

SESSION_COLUMNS = """
s.pk, s.id, s.app_name, s.user_id, s.title, s.state::text, p.id, s.fork_event_id,
s.created_at, s.updated_at
"""

SESSION = f"""
SELECT {SESSION_COLUMNS} FROM sessions s LEFT JOIN sessions p ON p.pk = s.parent_pk
WHERE s.app_name = $1 AND s.user_id = $2 AND s.id = $3 AND s.deleted_at IS NULL
"""

SESSIONS = f"""
SELECT {SESSION_COLUMNS} FROM sessions s LEFT JOIN sessions p ON p.pk = s.parent_pk
WHERE s.app_name = $1 AND s.user_id = $2 AND s.deleted_at IS NULL
ORDER BY s.updated_at DESC
"""

SCOPED_STATE = """
SELECT (SELECT state::text FROM app_state WHERE app_name = $1),
       (SELECT state::text FROM user_state WHERE app_name = $1 AND user_id = $2)
"""

MERGE_APP_STATE = """
INSERT INTO app_state (app_name, state) VALUES ($1, $2::jsonb)
ON CONFLICT (app_name) DO UPDATE SET state = app_state.state || excluded.state
"""

MERGE_USER_STATE = """
INSERT INTO user_state (app_name, user_id, state) VALUES ($1, $2, $3::jsonb)
ON CONFLICT (app_name, user_id) DO UPDATE SET state = user_state.state || excluded.state
"""

INSERT_SESSION = """
INSERT INTO sessions (app_name, user_id, id, state, created_at, updated_at)
VALUES ($1, $2, $3, $4::jsonb, $5, $5)
ON CONFLICT (app_name, user_id, id) DO NOTHING
RETURNING pk
"""

# One statement: the session row's state merge (``||`` merges keys in the server, so two
# writers never lose each other's keys), title and time, then the event row. Nothing here reads
# the history. The same event sent twice (a retry after a dropped connection) is stored once.
APPEND = """
WITH target AS (
    UPDATE sessions SET
        state = CASE WHEN $4::jsonb = '{}'::jsonb THEN state ELSE state || $4::jsonb END,
        title = CASE WHEN $5 <> '' AND title = '' THEN $5 ELSE title END,
        updated_at = GREATEST(updated_at, $6)
    WHERE app_name = $1 AND user_id = $2 AND id = $3
    RETURNING pk, title
), added AS (
    INSERT INTO events (session_pk, id, invocation_id, author, role, tag, timestamp, text, body)
    SELECT pk, $7, $8, $9, $10, $11, $12, $13, $14 FROM target
    ON CONFLICT (session_pk, id) DO NOTHING
    RETURNING seq
)
SELECT (SELECT title FROM target), (SELECT seq FROM added)
"""

SOURCE = "SELECT pk FROM sessions WHERE app_name = $1 AND user_id = $2 AND id = $3"

# The branch copies its source's own state and title in the server; no history is copied.
INSERT_BRANCH = """
INSERT INTO sessions (
    app_name, user_id, id, title, state, parent_pk, fork_event_id, fork_seq, created_at,
    updated_at
)
SELECT app_name, user_id, $2, title, state, pk, $3, $4, $5, $5 FROM sessions WHERE pk = $1
"""

DELETE = """
UPDATE sessions SET deleted_at = $4
WHERE app_name = $1 AND user_id = $2 AND id = $3 AND deleted_at IS NULL
"""

RENAME = "UPDATE sessions SET title = $4 WHERE app_name = $1 AND user_id = $2 AND id = $3"

# Per-session advisory lock: a 64-bit hash of the schema and the session's key. A collision
# only makes two sessions' runs wait for each other; it never lets two runs of one interleave.
RUN_LOCK = "SELECT pg_advisory_lock(hashtextextended(current_schema() || $1, 0))"

# -- the desktop's views (``views.py``) ------------------------------------------------------

# ``load_rows`` and ``event_seq`` name a session by id alone: the live one of that id first.
BY_ID = "(SELECT pk FROM sessions WHERE id = $1 ORDER BY deleted_at IS NOT NULL, pk DESC LIMIT 1)"
LINEAGE_BY_ID = LINEAGE.replace("WHERE pk = $1", f"WHERE pk = {BY_ID}")

# A user message's text is all a view needs, unless it carries attachments (their names).
_VIEW_COLUMNS = """seq, id, author, role, tag, text,
    CASE WHEN role = 'user' AND strpos(body, '"parts"') = 0 THEN '' ELSE body END, timestamp"""

ROWS = (
    LINEAGE_BY_ID
    + f"""
SELECT {_VIEW_COLUMNS} FROM chain c
JOIN events e ON e.session_pk = c.pk AND (c.lim IS NULL OR e.seq <= c.lim)
ORDER BY e.seq
"""
)

# The newest $3 rows (NULL: all) below seq $2 (NULL: the end), each segment read backwards
# through (session_pk, seq) and cut at $3, so a window costs what it holds.
ROWS_WINDOW = (
    LINEAGE_BY_ID
    + f"""
SELECT * FROM (
    SELECT w.* FROM chain c CROSS JOIN LATERAL (
        SELECT {_VIEW_COLUMNS} FROM events
        WHERE session_pk = c.pk AND seq <= LEAST(
            coalesce(c.lim, 9223372036854775807), coalesce($2::bigint - 1, 9223372036854775807))
        ORDER BY seq DESC LIMIT $3::bigint
    ) w
    ORDER BY w.seq DESC LIMIT $3::bigint
) newest ORDER BY seq
"""
)

FIND_BY_ID = LINEAGE_BY_ID + _FIND

TREE = """
SELECT s.id, s.title, p.id, s.updated_at, coalesce(e.text, '') FROM sessions s
LEFT JOIN sessions p ON p.pk = s.parent_pk
LEFT JOIN events e ON e.seq = s.fork_seq
WHERE s.app_name = $1 AND s.user_id = $2 AND s.deleted_at IS NULL
ORDER BY s.updated_at DESC
"""

TRASH = f"""
SELECT {SESSION_COLUMNS} FROM sessions s LEFT JOIN sessions p ON p.pk = s.parent_pk
WHERE s.app_name = $1 AND s.user_id = $2 AND s.deleted_at IS NOT NULL AND s.purged_at IS NULL
ORDER BY s.deleted_at DESC
"""

RESTORE = """
UPDATE sessions SET deleted_at = NULL
WHERE app_name = $1 AND user_id = $2 AND id = $3 AND purged_at IS NULL
"""

TRASHED_PKS = """
SELECT pk FROM sessions
WHERE app_name = $1 AND user_id = $2 AND deleted_at IS NOT NULL AND purged_at IS NULL
FOR UPDATE
"""

GET_SETTING = "SELECT value FROM settings WHERE key = $1"
SET_SETTING = """
INSERT INTO settings (key, value) VALUES ($1, $2)
ON CONFLICT (key) DO UPDATE SET value = excluded.value
"""

# An imported or copied session: its id, times and parent are given (``bulk.py``).
INSERT_PLANNED = """
INSERT INTO sessions (
    app_name, user_id, id, title, state, parent_pk, fork_event_id, fork_seq, created_at,
    updated_at
) VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, $8, $9, $10)
RETURNING pk
"""
