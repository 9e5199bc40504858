-- A worker's heartbeat: push back the expiry of every lease it still owns.
-- KEYS[1] lease set, KEYS[2] owners; ARGV[1] new expiry (epoch), ARGV[2] worker token,
-- ARGV[3..] members. Returns the members the worker no longer owns (their handlers must stop).
local lost = {}
for i = 3, #ARGV do
  if redis.call('HGET', KEYS[2], ARGV[i]) == ARGV[2] then
    redis.call('ZADD', KEYS[1], 'XX', ARGV[1], ARGV[i])
  else
    table.insert(lost, ARGV[i])
  end
end
return lost
