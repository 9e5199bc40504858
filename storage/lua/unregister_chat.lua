-- The last step of deleting a participant: unlink their chat (if it still names them), which
-- uncounts them. KEYS[1] the channel's chat index, KEYS[2] the set of every participant that an
-- older release kept (emptied as its participants leave)
-- ARGV[1] chat id ('' when unknown), ARGV[2] participant id.
if ARGV[1] ~= '' and redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then
  redis.call('HDEL', KEYS[1], ARGV[1])
end
return redis.call('SREM', KEYS[2], ARGV[2])
