-- Queue one broadcast's message for one participant, at most once ever: the participant's own
-- record of broadcasts received is checked and set in the same step as the item is queued.
-- KEYS[1] received broadcasts (set), KEYS[2] queue, KEYS[3] items, KEYS[4] the erasure
-- tombstone, KEYS[5] their record (the participant hash); one participant's slot.
-- ARGV[1] broadcast id, ARGV[2] item id, ARGV[3] item JSON.
-- Returns 1 when queued, 0 if already, -1 when the participant was erased or has no record
-- (nothing written).
if redis.call('EXISTS', KEYS[4]) == 1 then
  return -1
end
if KEYS[5] and redis.call('EXISTS', KEYS[5]) == 0 then
  return -1
end
if redis.call('SADD', KEYS[1], ARGV[1]) == 0 then
  return 0
end
redis.call('HSET', KEYS[3], ARGV[2], ARGV[3])
redis.call('RPUSH', KEYS[2], ARGV[2])
return 1
