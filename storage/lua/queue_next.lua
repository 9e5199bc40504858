-- The lock holder asks for the next item to send. Renews the lock, marks the item in flight.
-- KEYS[1] lock, KEYS[2] queue, KEYS[3] items, KEYS[4] in-flight id, KEYS[5] state;
-- ARGV[1] token, ARGV[2] ms, ARGV[3] the id of the item just sent, or '' (it is removed first,
-- as queue_ack.lua would: one round trip per message instead of two).
-- Returns {-1} when the lock is no longer ours (nothing is removed then); {0} when the queue is
-- empty (the lock is then released in the same step, so an item queued a moment later finds
-- the lock free); {1, id, item JSON or false} otherwise.
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return {-1}
end
if ARGV[3] and ARGV[3] ~= '' then
  redis.call('LREM', KEYS[2], 1, ARGV[3])
  redis.call('HDEL', KEYS[3], ARGV[3])
  redis.call('DEL', KEYS[5])
end
local id = redis.call('LINDEX', KEYS[2], 0)
if not id then
  redis.call('DEL', KEYS[1], KEYS[4])
  return {0}
end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('SET', KEYS[4], id)
return {1, id, redis.call('HGET', KEYS[3], id)}
