"""The Lua scripts behind every read-modify-write of a waitlist.

Each runs atomically in Redis, so two requests can never both take the last place of a
waitlist or a student's third waitlist. Each touches the keys of one hash tag only (a
section's, or a student's), which keeps it valid on Redis Cluster. Keys and arguments
are documented at the top of each script; ``run(name, ...)`` runs one on the waitlist
store (EVALSHA, loaded on first use).
"""

import functools
from typing import Any

import redis
from django_redis import get_redis_connection
from redis.cluster import RedisCluster
from redis.commands.core import Script

# Record a change of the waitlist: the time of the last change, which Last-Modified
# reports. HTTP dates have whole seconds, so a change in the same second as the one
# before moves the clock one second on: every change then gives a new Last-Modified,
# and a client holding the old one is never told "not modified".
_TOUCH = """
local function touch(meta, now)
  local last = tonumber(redis.call('HGET', meta, 'changed') or '0')
  local changed = math.max(tonumber(now), last + 1)
  redis.call('HSET', meta, 'changed', changed)
  return changed
end
"""

# KEYS: queue, joined, promoting, meta
# ARGV: student id, waitlist capacity, joined at (RFC 3339), now (unix s)
# -> {"joined", position, sequence, changed} | {"already_waitlisted"} | {"waitlist_full"}
JOIN = (
    _TOUCH
    + """
local queue, joined, promoting, meta = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local student = ARGV[1]
if redis.call('ZSCORE', queue, student) or redis.call('HEXISTS', promoting, student) == 1 then
  return {'already_waitlisted'}
end
local waiting = redis.call('ZCARD', queue) + redis.call('HLEN', promoting)
if waiting >= tonumber(ARGV[2]) then
  return {'waitlist_full'}
end
local sequence = redis.call('HINCRBY', meta, 'sequence', 1)
redis.call('ZADD', queue, sequence, student)
redis.call('HSET', joined, student, ARGV[3])
return {'joined', waiting + 1, sequence, touch(meta, ARGV[4])}
"""
)

# KEYS: queue, joined, promoting, meta
# ARGV: student id, now (unix s)
# -> 1 if the student was waiting (or being promoted) and is now off the waitlist, else 0
LEAVE = (
    _TOUCH
    + """
local queue, joined, promoting, meta = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local student = ARGV[1]
if redis.call('ZREM', queue, student) + redis.call('HDEL', promoting, student) == 0 then
  return 0
end
redis.call('HDEL', joined, student)
touch(meta, ARGV[2])
return 1
"""
)

# Step 1 of a promotion: move the head of the line into "promoting", stamped with the
# time, where it stays until the DynamoDB enrollment settles. One promotion at a time
# per section: while another is in flight, nothing is popped and the caller gets the
# parked entries, to recover them if they are stale (their promoter crashed).
# A student the fill found unable to take the seat (a hold, a time conflict, credits)
# keeps their place and is passed over: the first in line not among ARGV[2..] is parked.
# KEYS: queue, promoting
# ARGV: now (unix ms), students passed over...
# -> {"parked", student id, sequence} | {"empty"} (nobody, or only those passed over) |
#    {"busy", student, "{sequence}:{ms}", ...}
PARK_HEAD = """
local queue, promoting = KEYS[1], KEYS[2]
local parked = redis.call('HGETALL', promoting)
if #parked > 0 then
  table.insert(parked, 1, 'busy')
  return parked
end
local passed = {}
for i = 2, #ARGV do
  passed[ARGV[i]] = true
end
-- The first in line who has not been passed over by this fill: at most #ARGV - 1 are.
local line = redis.call('ZRANGE', queue, 0, #ARGV - 1, 'WITHSCORES')
for i = 1, #line, 2 do
  if not passed[line[i]] then
    redis.call('ZREM', queue, line[i])
    redis.call('HSET', promoting, line[i], line[i + 1] .. ':' .. ARGV[1])
    return {'parked', line[i], line[i + 1]}
  end
end
return {'empty'}
"""

# Step 3 of a promotion that enrolled the student (or found them enrolled already):
# they leave the waitlist for good.
# KEYS: joined, promoting, meta
# ARGV: student id, now (unix s)
# -> 1 if the student was parked, else 0 (already settled, or they left meanwhile)
SETTLE = (
    _TOUCH
    + """
local joined, promoting, meta = KEYS[1], KEYS[2], KEYS[3]
if redis.call('HDEL', promoting, ARGV[1]) == 0 then
  return 0
end
redis.call('HDEL', joined, ARGV[1])
touch(meta, ARGV[2])
return 1
"""
)

# Step 3 of a promotion that could not enroll the student (no seat after all): back to
# the head of the line, with their original sequence number, so nobody overtakes them.
# Nobody's position changes, so the waitlist's change time does not move.
# KEYS: queue, promoting
# ARGV: student id
# -> 1 if the student was parked and is back in line, else 0
RESTORE = """
local queue, promoting = KEYS[1], KEYS[2]
local parked = redis.call('HGET', promoting, ARGV[1])
if not parked then
  return 0
end
redis.call('ZADD', queue, string.match(parked, '^(%d+):'), ARGV[1])
redis.call('HDEL', promoting, ARGV[1])
return 1
"""

# Delete a section's waitlist (the section is being deleted).
# KEYS: queue, joined, promoting, meta
# -> the student ids that were on it (in line or being promoted)
DISCARD = """
local students = redis.call('ZRANGE', KEYS[1], 0, -1)
for _, student in ipairs(redis.call('HKEYS', KEYS[3])) do
  table.insert(students, student)
end
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4])
return students
"""

# The first half of a join, on the student's own key: count the section among the
# student's waitlists unless that would make one too many.
# KEYS: the student's set of sections
# ARGV: section id, the most waitlists a student may be on
# -> "reserved" (added now) | "present" (already counted) | "limit"
RESERVE = """
if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 1 then
  return 'present'
end
if redis.call('SCARD', KEYS[1]) >= tonumber(ARGV[2]) then
  return 'limit'
end
redis.call('SADD', KEYS[1], ARGV[1])
return 'reserved'
"""

# KEYS: queue, promoting. ARGV: student id.
# 1 if the student waits in the line or is being promoted from it, else 0: read in one
# step, since a promotion moves a student between the two.
IN_LINE = """
if redis.call('ZSCORE', KEYS[1], ARGV[1]) or redis.call('HEXISTS', KEYS[2], ARGV[1]) == 1 then
  return 1
end
return 0
"""

_SOURCES = {
    "in_line": IN_LINE,
    "join": JOIN,
    "leave": LEAVE,
    "park_head": PARK_HEAD,
    "settle": SETTLE,
    "restore": RESTORE,
    "discard": DISCARD,
    "reserve": RESERVE,
}


@functools.cache
def _script(name: str) -> Script:
    return store().register_script(_SOURCES[name])


def run(name: str, *, keys: list[str], args: list[Any]) -> Any:
    """Run the script ``name`` on the waitlist store, on its own: Redis Cluster refuses
    scripts inside a pipeline."""
    return _script(name)(keys=keys, args=args, client=store())


def store() -> redis.Redis | RedisCluster:
    """The raw redis-py client of the waitlist store (a ``RedisCluster`` when
    ``REDIS_CLUSTER`` is on). Its errors are raised, never ignored."""
    return get_redis_connection("waitlist")


def text(reply: bytes | str) -> str:
    """A Redis reply as text (the raw client answers bytes)."""
    return reply.decode() if isinstance(reply, bytes) else reply
