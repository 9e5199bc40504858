-- A worker is done with a member it claimed. Only the lease's owner may finish it: then the lease
-- goes and the member returns to the due index at its next time (or stays out for none). A worker
-- whose lease expired, or was overruled by a reschedule, changes nothing: the newer word stands.
-- A wake-up for an earlier time that came while the lease was held stays.
-- KEYS[1] due index, KEYS[2] lease set, KEYS[3] owners
-- ARGV[1] member, ARGV[2] next due epoch or '' for none, ARGV[3] worker token
if redis.call('HGET', KEYS[3], ARGV[1]) ~= ARGV[3] then
  return 0
end
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[3], ARGV[1])
if ARGV[2] ~= '' then
  -- LT: a wake-up that came during the lease, for an earlier time, is kept.
  redis.call('ZADD', KEYS[1], 'LT', ARGV[2], ARGV[1])
end
return 1
