"""Lua scripts run by Redis as one atomic step each, on the server's clock (``TIME``).

Numbers stay below 10^14 (milliseconds) because Redis' Lua turns numbers into text with 14 significant digits.
"""

from __future__ import annotations

#: Sliding log. KEYS: one sorted set per window. ARGV[1]: a member unique to this request; then, per key, the
#: count and the period in milliseconds. Admits only when every window has room, then records the request in all.
#: Returns {allowed (0/1), milliseconds until a slot frees (when refused), remaining slots (when admitted)}.
HIT = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local wait = 0
local remaining = -1
for i, key in ipairs(KEYS) do
  local count = tonumber(ARGV[i * 2])
  local period = tonumber(ARGV[i * 2 + 1])
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - period)
  local used = redis.call('ZCARD', key)
  if used >= count then
    local freed = redis.call('ZRANGE', key, used - count, used - count, 'WITHSCORES')
    local until_free = tonumber(freed[2]) + period - now
    if until_free > wait then wait = until_free end
  elseif remaining < 0 or count - used - 1 < remaining then
    remaining = count - used - 1
  end
end
if wait > 0 then
  return {0, wait, 0}
end
for i, key in ipairs(KEYS) do
  redis.call('ZADD', key, now, ARGV[1])
  redis.call('PEXPIRE', key, tonumber(ARGV[i * 2 + 1]))
end
return {1, 0, remaining}
"""

#: Login reservation. KEYS: account, pair, ip, trusted-pair marker, index of the account's pair keys.
#: ARGV: max per account, max per pair, max per IP, window in milliseconds.
#: Refused: {0, reason, milliseconds left}. Reserved: {1, trusted (0/1), account, pair and IP failures so far}.
RESERVE = """
local function count(key) return tonumber(redis.call('GET', key) or '0') end
local function left(key)
  local ttl = redis.call('PTTL', key)
  if ttl < 0 then return 0 end
  return ttl
end
local trusted = redis.call('EXISTS', KEYS[4])
if trusted == 0 then
  if count(KEYS[1]) >= tonumber(ARGV[1]) then return {0, 'account', left(KEYS[1])} end
  if count(KEYS[3]) >= tonumber(ARGV[3]) then return {0, 'ip', left(KEYS[3])} end
end
if count(KEYS[2]) >= tonumber(ARGV[2]) then return {0, 'pair', left(KEYS[2])} end
local window = tonumber(ARGV[4])
local failures = {}
for i = 1, 3 do
  failures[i] = redis.call('INCR', KEYS[i])
  redis.call('PEXPIRE', KEYS[i], window)
end
redis.call('SADD', KEYS[5], KEYS[2])
redis.call('PEXPIRE', KEYS[5], window)
return {1, trusted, failures[1], failures[2], failures[3]}
"""

#: A reserved attempt whose password was right. KEYS: account, pair, ip, trusted-pair marker.
#: ARGV: how long the pair stays trusted, in milliseconds. Gives the reservation back and trusts the pair.
SUCCEED = """
for _, i in ipairs({1, 3}) do
  if tonumber(redis.call('GET', KEYS[i]) or '0') > 0 then redis.call('DECR', KEYS[i]) end
end
redis.call('DEL', KEYS[2])
redis.call('SET', KEYS[4], '1', 'PX', tonumber(ARGV[1]))
return 1
"""

#: What RESERVE would answer, without counting. Same KEYS and ARGV (the window is unused).
#: Returns {locked (0/1), reason, milliseconds left, account failures}.
STATUS = """
local function count(key) return tonumber(redis.call('GET', key) or '0') end
local function left(key)
  local ttl = redis.call('PTTL', key)
  if ttl < 0 then return 0 end
  return ttl
end
local failures = count(KEYS[1])
if redis.call('EXISTS', KEYS[4]) == 0 then
  if failures >= tonumber(ARGV[1]) then return {1, 'account', left(KEYS[1]), failures} end
  if count(KEYS[3]) >= tonumber(ARGV[3]) then return {1, 'ip', left(KEYS[3]), failures} end
end
if count(KEYS[2]) >= tonumber(ARGV[2]) then return {1, 'pair', left(KEYS[2]), failures} end
return {0, '', 0, failures}
"""
