// The registry's writes and reads are Lua scripts so each is atomic and uses the server's clock
// (TIME), never the clients': leases stay right whatever the skew between hosts. Every script
// touches only the keys of one service, which share a hash slot, so they run unchanged on Cluster.
//
// KEYS[1] entries (HASH id → JSON), KEYS[2] leases (ZSET id → deadline ms), KEYS[3] meta (HASH),
// KEYS[4] gone (ZSET id → when it was unregistered: tombstones kept for a minute).

/** Shared prologue: server time in ms, and `bump()` to advance the revision after a change. */
const PROLOGUE = `
if redis.replicate_commands then redis.replicate_commands() end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local function bump()
  if redis.call('ZCARD', KEYS[2]) == 0 then
    redis.call('DEL', KEYS[3])
  else
    redis.call('HSETNX', KEYS[3], 'epoch', t[1] .. '.' .. t[2])
    redis.call('HINCRBY', KEYS[3], 'n', 1)
  end
end
`;

/**
 * Register or renew. ARGV: id, JSON, lease ms, channel. Extends the lease; writes the entry and
 * announces a change only when it was missing (first registration, expired while the owner was
 * stalled, lost in a Redis restart) or different (new params).
 */
export const PUT = `${PROLOGUE}
local old = redis.call('HGET', KEYS[1], ARGV[1])
local had = redis.call('ZSCORE', KEYS[2], ARGV[1])
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[3]), ARGV[1])
redis.call('ZREM', KEYS[4], ARGV[1])
if old ~= ARGV[2] or not had then
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
  bump()
  redis.call('PUBLISH', ARGV[4], 'put')
  return 1
end
return 0
`;

/**
 * Unregister. ARGV: id, channel. Leaves a tombstone, so readers that hold entries through an
 * outage's grace period (ServiceReader.regainedContact) drop a cleanly stopped provider at once.
 */
export const DELETE = `${PROLOGUE}
local removed = redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('ZADD', KEYS[4], now, ARGV[1])
redis.call('PEXPIRE', KEYS[4], 60000)
if removed == 1 then
  bump()
  redis.call('PUBLISH', ARGV[2], 'delete')
end
return removed
`;

/**
 * Read. ARGV: channel, the revision the reader holds ('-' for none, which no revision equals). First removes expired entries
 * (announcing it, so every subscriber hears of a crash as soon as one reader notices). Returns
 * {revision, now, soonest deadline or ''} when the revision is unchanged, else also the entries
 * (flat HGETALL), the leases (flat ZRANGE WITHSCORES) and the tombstones.
 */
export const READ = `${PROLOGUE}
local expired = false
while true do
  local dead = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'LIMIT', 0, 500)
  if #dead == 0 then break end
  redis.call('ZREM', KEYS[2], unpack(dead))
  redis.call('HDEL', KEYS[1], unpack(dead))
  expired = true
end
if expired then
  bump()
  redis.call('PUBLISH', ARGV[1], 'expired')
end
local m = redis.call('HMGET', KEYS[3], 'epoch', 'n')
local rev = ''
if m[1] then rev = m[1] .. ':' .. (m[2] or '0') end
redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', now - 60000)
local first = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
local soonest = first[2] or ''
if rev == ARGV[2] then return {rev, now, soonest} end
return {rev, now, soonest, redis.call('HGETALL', KEYS[1]), redis.call('ZRANGE', KEYS[2], 0, -1, 'WITHSCORES'), redis.call('ZRANGE', KEYS[4], 0, -1)}
`;
