-- The last step of deleting a participant: unlink their chat (if it still names them) and
-- uncount them. KEYS[1] the channel's chat index, KEYS[2] every participant
-- ARGV[1] chat id ('' when unknown), ARGV[2] participant id.
if ARGV[1] ~= '' and redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then
  redis.call('HDEL', KEYS[1], ARGV[1])
end
return redis.call('SREM', KEYS[2], ARGV[2])
