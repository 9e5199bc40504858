-- Claim due members for one worker: move them from the due index to the lease set, owned.
-- KEYS[1] due index, KEYS[2] lease set, KEYS[3] owners (member -> worker token); one hash slot.
-- ARGV[1] now (epoch), ARGV[2] max members, ARGV[3] lease expiry (epoch), ARGV[4] worker token.
-- Leases that expired (their worker died or hung) go back to due first, due now.
-- Returns a flat list: member, due score, member, due score, ...
local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[1], 'LIMIT', 0, ARGV[2])
for _, member in ipairs(expired) do
  redis.call('ZREM', KEYS[2], member)
  redis.call('HDEL', KEYS[3], member)
  redis.call('ZADD', KEYS[1], 'NX', ARGV[1], member)
end
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'WITHSCORES', 'LIMIT', 0, ARGV[2])
for i = 1, #due, 2 do
  redis.call('ZREM', KEYS[1], due[i])
  redis.call('ZADD', KEYS[2], ARGV[3], due[i])
  redis.call('HSET', KEYS[3], due[i], ARGV[4])
end
return due
