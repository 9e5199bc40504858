-- Claim due members for one worker: move them from the due index to the lease set, owned.
-- KEYS[1] due index, KEYS[2] lease set, KEYS[3] owners (member -> worker token), KEYS[4]
-- rechecks (chats whose drain must be looked at again by a time); one hash slot.
-- ARGV[1] now (epoch), ARGV[2] max members, ARGV[3] lease expiry (epoch), ARGV[4] worker token.
-- Leases that expired (their worker died or hung) are taken first, due now: what a dead worker
-- left half done must not wait behind a backlog of work nobody has started. Rechecks that are
-- due come next, for the same reason (a chat whose lesson is half sent waits for a dead drainer's
-- lock to run out); one a live worker holds stays for later. Then the due index, earliest first;
-- a member there that a live worker holds (a wake-up during its lease) becomes a recheck.
-- ARGV[5], ARGV[6] optionally a member the worker is done with and its next due epoch (or ''
-- for none), finished first as finish_lease.lua would: a handler that ends and its slot
-- filled again cost one call, not two.
-- Returns a flat list: member, due score, member, due score, ...; with ARGV[5], led by 1 when
-- that member was finished, 0 when its lease was no longer the worker's (nothing changed).
local limit = tonumber(ARGV[2])
local out = {}
if ARGV[5] and ARGV[5] ~= '' then
  if redis.call('HGET', KEYS[3], ARGV[5]) == ARGV[4] then
    redis.call('ZREM', KEYS[2], ARGV[5])
    redis.call('HDEL', KEYS[3], ARGV[5])
    if ARGV[6] ~= '' then
      redis.call('ZADD', KEYS[1], 'LT', ARGV[6], ARGV[5])
    end
    out[1] = 1
  else
    out[1] = 0
  end
end
if limit <= 0 then
  return out
end
local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[1], 'LIMIT', 0, limit)
for _, member in ipairs(expired) do
  redis.call('ZREM', KEYS[1], member)  -- a wake-up meanwhile: this claim covers it
  redis.call('ZADD', KEYS[2], ARGV[3], member)
  redis.call('HSET', KEYS[3], member, ARGV[4])
  out[#out + 1] = member
  out[#out + 1] = ARGV[1]
end
local room = limit - #expired
if room <= 0 then
  return out
end
local rechecks = redis.call('ZRANGEBYSCORE', KEYS[4], '-inf', ARGV[1], 'LIMIT', 0, room + 32)
for _, member in ipairs(rechecks) do
  if room > 0 and not redis.call('ZSCORE', KEYS[2], member) then
    redis.call('ZREM', KEYS[4], member)
    redis.call('ZREM', KEYS[1], member)
    redis.call('ZADD', KEYS[2], ARGV[3], member)
    redis.call('HSET', KEYS[3], member, ARGV[4])
    out[#out + 1] = member
    out[#out + 1] = ARGV[1]
    room = room - 1
  end
end
if room <= 0 then
  return out
end
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'WITHSCORES', 'LIMIT', 0, room)
for i = 1, #due, 2 do
  redis.call('ZREM', KEYS[1], due[i])
  local held = redis.call('ZSCORE', KEYS[2], due[i])
  if held and tonumber(held) > tonumber(ARGV[1]) then
    -- A wake-up for a member a live worker holds: never take it from that worker (it would
    -- send what the other is sending); look at it again once the lease is gone.
    redis.call('ZADD', KEYS[4], 'LT', due[i + 1], due[i])
  else
    redis.call('ZADD', KEYS[2], ARGV[3], due[i])
    redis.call('HSET', KEYS[3], due[i], ARGV[4])
    out[#out + 1] = due[i]
    out[#out + 1] = due[i + 1]
  end
end
return out
