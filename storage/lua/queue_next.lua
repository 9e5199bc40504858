-- The lock holder asks for the next item to send. Renews the lock, marks the item in flight.
-- KEYS[1] lock, KEYS[2] queue, KEYS[3] items, KEYS[4] in-flight id, KEYS[5] state, KEYS[6] the
-- chat's own pace; ARGV[1] token, ARGV[2] ms, ARGV[3] the id of the item just sent, or '' (it
-- is removed first, as queue_ack.lua would: one round trip per message instead of two);
-- ARGV[4], ARGV[5] the chat's pace as a GCRA interval and tolerance (µs), or '' for none;
-- ARGV[6] '1' to take the chat's turn for the item handed out; ARGV[7] how late (µs) the item
-- just sent went after its turn was taken (it waited for the budget every chat shares).
-- The chat's turn is taken in the same step as its item is handed out (GCRA on the server's
-- clock, as rate_gcra.lua keeps the shared budget): one script a message, not two. A turn
-- spent late moves with the message, so the chat's next turn is counted from when it went.
-- Returns {-1} when the lock is no longer ours (nothing is removed then); {0} when the queue is
-- empty (the lock is then released in the same step, so an item queued a moment later finds
-- the lock free); {1, id, item JSON or false} otherwise; {2, µs to wait, id, item JSON or
-- false} when the chat's pace holds the item back (nothing taken, the lock kept).
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return {-1}
end
if ARGV[3] and ARGV[3] ~= '' then
  redis.call('LREM', KEYS[2], 1, ARGV[3])
  redis.call('HDEL', KEYS[3], ARGV[3])
  redis.call('DEL', KEYS[5])
end
local paced = ARGV[4] and ARGV[4] ~= ''
local now, tat, interval = 0, 0, 0
if paced then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000000 + tonumber(t[2])
  interval = tonumber(ARGV[4])
  local stored = redis.call('GET', KEYS[6])
  tat = tonumber(stored or now)
  local late = tonumber(ARGV[7] or '') or 0
  if late > 0 then
    tat = tat + late
    if not stored then tat = now + interval end  -- lapsed: it went no later than now
  end
  if tat < now then tat = now end
end
local function keep()
  redis.call('SET', KEYS[6], string.format('%d', tat), 'PX', math.floor((tat - now) / 1000) + 1000)
end
local id = redis.call('LINDEX', KEYS[2], 0)
if not id then
  if paced and tat > now then keep() end
  redis.call('DEL', KEYS[1], KEYS[4])
  return {0}
end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
if paced and ARGV[6] == '1' then
  local wait = tat - tonumber(ARGV[5]) - now
  if wait > 0 then
    keep()
    return {2, wait, id, redis.call('HGET', KEYS[3], id)}
  end
  tat = tat + interval
end
if paced and tat > now then keep() end
redis.call('SET', KEYS[4], id)
return {1, id, redis.call('HGET', KEYS[3], id)}
