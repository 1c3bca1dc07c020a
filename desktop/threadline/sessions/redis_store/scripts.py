"""The Lua scripts that make a Redis write atomic: each runs whole, alone, in one round trip.

State deltas travel as counted field/value runs after the fixed arguments: the session's own,
then the app's, then the user's (``state_args`` builds them).
"""

from __future__ import annotations

import json
from typing import Any

# A function shared by both scripts: HSET the next ``n`` field/value pairs of ARGV into ``key``.
_PUT = """
local function put(key, n, at)
    for _ = 1, n do
        redis.call('HSET', key, ARGV[at], ARGV[at + 1])
        at = at + 2
    end
    return at
end
local function expire(ttl, first, last)
    if ttl > 0 then
        for k = first, last do redis.call('EXPIRE', KEYS[k], ttl) end
    end
end
"""

# KEYS: meta, state, events, ids, text, index, app state, user state.
# ARGV: session id, now, ttl, meta pair count, own/app/user pair counts, then the pairs.
# Returns 0 when the session exists already.
CREATE = (
    _PUT
    + """
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'created_at', ARGV[2], 'updated_at', ARGV[2], 'fork_index', '0')
local at = put(KEYS[1], tonumber(ARGV[4]), 8)
at = put(KEYS[2], tonumber(ARGV[5]), at)
at = put(KEYS[7], tonumber(ARGV[6]), at)
put(KEYS[8], tonumber(ARGV[7]), at)
redis.call('ZADD', KEYS[6], ARGV[2], ARGV[1])
expire(tonumber(ARGV[3]), 1, 2)
return 1
"""
)

# KEYS as CREATE. ARGV: session id, event id, event JSON, search text, proposed title, now,
# ttl, own/app/user pair counts, then the pairs. Returns the session's title, or nil when it
# does not exist. An event id already stored is not stored twice (a retried append).
# Nothing here reads the history: O(1) whatever its length.
APPEND = (
    _PUT
    + """
if redis.call('EXISTS', KEYS[1]) == 0 then return nil end
if redis.call('HEXISTS', KEYS[4], ARGV[2]) == 0 then
    local place = redis.call('RPUSH', KEYS[3], ARGV[3]) - 1
    redis.call('HSET', KEYS[4], ARGV[2], place)
    if ARGV[4] ~= '' then redis.call('HSET', KEYS[5], place, ARGV[4]) end
end
local title = redis.call('HGET', KEYS[1], 'title') or ''
if ARGV[5] ~= '' and title == '' then
    title = ARGV[5]
    redis.call('HSET', KEYS[1], 'title', title)
end
redis.call('HSET', KEYS[1], 'updated_at', ARGV[6])
local at = put(KEYS[2], tonumber(ARGV[8]), 11)
at = put(KEYS[7], tonumber(ARGV[9]), at)
put(KEYS[8], tonumber(ARGV[10]), at)
if redis.call('HGET', KEYS[1], 'deleted') ~= '1' then
    redis.call('ZADD', KEYS[6], ARGV[6], ARGV[1])
end
expire(tonumber(ARGV[7]), 1, 5)
return title
"""
)


def state_args(*scopes: dict[str, Any]) -> tuple[list[int], list[str]]:
    """The pair counts and the flattened field/value pairs (values as JSON) of each scope."""
    counts: list[int] = []
    pairs: list[str] = []
    for scope in scopes:
        counts.append(len(scope))
        for key, value in scope.items():
            pairs += [key, json.dumps(value, ensure_ascii=False, default=str)]
    return counts, pairs
