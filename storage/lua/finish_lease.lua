-- A worker is done with a claimed enrollment. If it still holds the lease, drop the lease and
-- put the enrollment back in the due index at its next due time (or leave it out for none).
-- If the lease is gone, someone rescheduled the enrollment meanwhile (a participant paused,
-- resumed or changed their time): their word stands and this finish changes nothing.
-- KEYS[1] due index, KEYS[2] lease set; ARGV[1] member, ARGV[2] next due epoch or '' for none
if redis.call('ZREM', KEYS[2], ARGV[1]) == 0 then
  return 0
end
if ARGV[2] ~= '' then
  redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
end
return 1
