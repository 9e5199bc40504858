-- A send of the head item failed: count it and, with a time, hold further tries until then.
-- Only the drainer that holds the chat's lock may write this: one that lost it changes nothing.
-- KEYS[1] lock, KEYS[2] state. ARGV[1] token, ARGV[2] retry time (epoch) or '' (count only).
-- Returns -1 when the lock is no longer ours, else how many failures the head item has had.
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return -1
end
if ARGV[2] ~= '' then
  redis.call('HSET', KEYS[2], 'retry_at', ARGV[2])
  return tonumber(redis.call('HGET', KEYS[2], 'attempts') or '0')
end
return redis.call('HINCRBY', KEYS[2], 'attempts', 1)
