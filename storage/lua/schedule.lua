-- Set when a member is next due, overruling any worker's claim on it (the claim's finish will
-- then change nothing). KEYS[1] due index, KEYS[2] lease set, KEYS[3] owners, KEYS[4] rechecks
-- ARGV[1] member, ARGV[2] due epoch or '' to take it out of the index (a recheck too).
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[3], ARGV[1])
if ARGV[2] == '' then
  redis.call('ZREM', KEYS[1], ARGV[1])
  redis.call('ZREM', KEYS[4], ARGV[1])
else
  redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
end
return 1
