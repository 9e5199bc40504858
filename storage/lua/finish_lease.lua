-- A worker is done with a claimed enrollment: drop its lease and, when it has a next due time,
-- put it back in the due index.
-- KEYS[1] due index, KEYS[2] lease set; ARGV[1] member, ARGV[2] next due epoch or '' for none
redis.call('ZREM', KEYS[2], ARGV[1])
if ARGV[2] ~= '' then
  redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
else
  redis.call('ZREM', KEYS[1], ARGV[1])
end
return 1
