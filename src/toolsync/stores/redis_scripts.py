"""
The Lua scripts behind :class:`~toolsync.stores.redis.RedisStore`.

Each script runs atomically on the server, so a commit's version check and every write it makes
are one step that no other replica can interleave with. Key names are built from the prefix
(``ARGV[1]``) inside the scripts: the store targets one Redis server (or a primary with read
replicas), not Redis Cluster.

Stream entry IDs are ``<version>-<seq>``: the version a range query starts from (``events_since``)
and a global counter that keeps IDs strictly increasing even when a late writer records an event of
an older version.
"""

from __future__ import annotations

__all__ = ["APPEND", "COMMIT", "LOAD", "OPEN", "PRUNE"]

_HELPERS = """
local function add_events(p, first, floor, max_events)
  for j = first, #ARGV, 3 do
    local seq = redis.call('INCR', p .. 'seq')
    local ms = math.max(tonumber(ARGV[j]), floor)
    redis.call('XADD', p .. 'events', 'MAXLEN', '~', max_events, string.format('%d-%d', ms, seq),
               'version', ARGV[j], 'kind', ARGV[j + 1], 'data', ARGV[j + 2])
  end
end

local function add_audit(p, record, max_audit)
  local id = redis.call('INCR', p .. 'audit:id')
  redis.call('LPUSH', p .. 'audit', string.format('{"id":%d,', id) .. string.sub(record, 2))
  redis.call('LTRIM', p .. 'audit', 0, max_audit - 1)
end
"""

#: ARGV: prefix, version, token, created_at, entry, tools, specs, audit, max_events, max_audit,
#: blob count, then (blob key, data or "") pairs, then (version, kind, data) triples of events.
#: Returns {"ok"|"done", version}, {"conflict", current version} or {"missing", blob key}.
COMMIT = _HELPERS + """
local p, version, token = ARGV[1], tonumber(ARGV[2]), ARGV[3]
local current = tonumber(redis.call('GET', p .. 'version') or '0')
if current ~= version - 1 then
  -- The same commit retried after a lost reply: it is already in, report success.
  if current == version and redis.call('HGET', p .. 'manifest:' .. ARGV[2], 'token') == token then
    return {'done', current}
  end
  return {'conflict', current}
end
local last = 11 + 2 * tonumber(ARGV[11])
-- Check before writing anything: a script that stops half way keeps what it wrote.
for j = 12, last, 2 do
  if ARGV[j + 1] == '' and redis.call('EXISTS', p .. ARGV[j]) == 0 then
    return {'missing', ARGV[j]}
  end
end
local refs = {}
for j = 12, last, 2 do
  if ARGV[j + 1] ~= '' then
    redis.call('SET', p .. ARGV[j], ARGV[j + 1], 'NX')
  end
  redis.call('HINCRBY', p .. 'refs', ARGV[j], 1)
  refs[#refs + 1] = ARGV[j]
end
redis.call('HSET', p .. 'manifest:' .. ARGV[2], 'created_at', ARGV[4], 'entry', ARGV[5], 'tools', ARGV[6],
           'specs', ARGV[7], 'refs', table.concat(refs, ' '), 'token', token)
redis.call('ZADD', p .. 'versions', version, ARGV[2])
redis.call('SET', p .. 'version', ARGV[2])
add_events(p, last + 1, version, tonumber(ARGV[9]))
add_audit(p, ARGV[8], tonumber(ARGV[10]))
redis.call('PUBLISH', p .. 'commits', ARGV[2])
return {'ok', version}
"""

#: ARGV: prefix, audit, max_events, max_audit, then (version, kind, data) triples. Returns the version.
APPEND = _HELPERS + """
local p = ARGV[1]
local current = tonumber(redis.call('GET', p .. 'version') or '0')
add_events(p, 5, current, tonumber(ARGV[3]))
add_audit(p, ARGV[2], tonumber(ARGV[4]))
return current
"""

#: ARGV: prefix, application, schema version. Marks an unused prefix as a toolsync store, in one step so
#: that replicas starting together agree. Returns the metadata as a flat list, or false when the prefix
#: holds data without metadata.
OPEN = """
local p = ARGV[1]
if redis.call('EXISTS', p .. 'meta') == 0 then
  if redis.call('EXISTS', p .. 'version', p .. 'versions', p .. 'events') > 0 then
    return false
  end
  redis.call('HSET', p .. 'meta', 'application', ARGV[2], 'schema_version', ARGV[3])
end
return redis.call('HGETALL', p .. 'meta')
"""

#: ARGV: prefix, version ("" for the latest). Returns false for no such version, {version} when the
#: latest version's manifest is gone, else {version, created_at, entry, tools, specs}.
LOAD = """
local p, v = ARGV[1], ARGV[2]
if v == '' then
  v = redis.call('GET', p .. 'version')
  if not v then
    return false
  end
end
local m = redis.call('HMGET', p .. 'manifest:' .. v, 'created_at', 'entry', 'tools', 'specs')
if not m[1] then
  if ARGV[2] == '' then
    return {v}
  end
  return false
end
return {v, m[1], m[2], m[3], m[4]}
"""

#: ARGV: prefix, keep, keep_audit (-1: keep every audit record). Returns how many versions were dropped.
PRUNE = """
local p, keep, keep_audit = ARGV[1], math.max(tonumber(ARGV[2]), 1), tonumber(ARGV[3])
local n = redis.call('ZCARD', p .. 'versions')
local dropped = 0
if n > keep then
  local old = redis.call('ZRANGE', p .. 'versions', 0, n - keep - 1)
  for _, v in ipairs(old) do
    local refs = redis.call('HGET', p .. 'manifest:' .. v, 'refs')
    if refs then
      for key in string.gmatch(refs, '%S+') do
        if redis.call('HINCRBY', p .. 'refs', key, -1) <= 0 then
          redis.call('HDEL', p .. 'refs', key)
          redis.call('DEL', p .. key)
        end
      end
    end
    redis.call('DEL', p .. 'manifest:' .. v)
  end
  redis.call('ZREMRANGEBYRANK', p .. 'versions', 0, n - keep - 1)
  local cutoff = redis.call('ZRANGE', p .. 'versions', 0, 0)[1]
  redis.call('XTRIM', p .. 'events', 'MINID', cutoff .. '-0')
  dropped = #old
end
if keep_audit == 0 then
  redis.call('DEL', p .. 'audit')
elseif keep_audit > 0 then
  redis.call('LTRIM', p .. 'audit', 0, keep_audit - 1)
end
return dropped
"""
