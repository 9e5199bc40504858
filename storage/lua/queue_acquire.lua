-- Take the right to drain one chat's queue: a lock with an owner token and an expiry.
-- KEYS[1] lock, KEYS[2] queue (ids in order), KEYS[3] items (id -> JSON), KEYS[4] the outbox
-- list an older release kept (items without ids), KEYS[5] state (the head item's failures);
-- all one participant's hash slot.
-- ARGV[1] token, ARGV[2] lock expiry (ms), ARGV[3] a prefix for the ids of adopted items,
-- ARGV[4] now (epoch seconds) to leave a chat alone that is backing off after a failure, or '';
-- ARGV[5] '1' to take the first item in the same step, as queue_next.lua would (KEYS[6] the
-- in-flight id): one round trip less for every drain; ARGV[6], ARGV[7] then the chat's pace
-- (KEYS[7]), as queue_next.lua takes it.
-- Items the older outbox still holds were produced before anything in the queue, so they are
-- adopted at its front, in their order. Returns {0} when the lock is ours, {the milliseconds
-- until the holder's lock expires (when a drainer that died would be replaced)} when it is
-- not, {-1, retry_at} when the chat backs off until retry_at (nothing is taken then). With
-- ARGV[5], a lock that is ours comes as {0, 1, id, item JSON or false}, or {0, 0} when the queue
-- is empty (the lock then released at once), or {0, 2, µs to wait, id, item JSON or false}
-- when the chat's pace holds the first item back (the lock kept).
if ARGV[4] ~= '' then
  local retry = redis.call('HGET', KEYS[5], 'retry_at')
  if retry and tonumber(retry) > tonumber(ARGV[4]) then
    return {-1, retry}
  end
end
if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  local left = redis.call('PTTL', KEYS[1])
  if left < 1 then left = tonumber(ARGV[2]) end
  return {left}
end
local old = redis.call('LRANGE', KEYS[4], 0, -1)
for i = #old, 1, -1 do
  local id = ARGV[3] .. i
  redis.call('HSET', KEYS[3], id, old[i])
  redis.call('LPUSH', KEYS[2], id)
end
if #old > 0 then
  redis.call('DEL', KEYS[4])
end
if ARGV[5] ~= '1' then
  return {0}
end
local id = redis.call('LINDEX', KEYS[2], 0)
if not id then
  redis.call('DEL', KEYS[1], KEYS[6])
  return {0, 0}
end
if ARGV[6] and ARGV[6] ~= '' then
  local t = redis.call('TIME')
  local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
  local tat = tonumber(redis.call('GET', KEYS[7]) or now)
  if tat < now then tat = now end
  local wait = tat - tonumber(ARGV[7]) - now
  if wait > 0 then
    return {0, 2, wait, id, redis.call('HGET', KEYS[3], id)}
  end
  tat = tat + tonumber(ARGV[6])
  redis.call('SET', KEYS[7], string.format('%d', tat), 'PX', math.floor((tat - now) / 1000) + 1000)
end
redis.call('SET', KEYS[6], id)
return {0, 1, id, redis.call('HGET', KEYS[3], id)}
