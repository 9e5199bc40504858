-- Unlink a participant's chat from a chat index (the last step of deleting them, or filing the
-- chat under a newer key), which uncounts them there. KEYS[1] the channel's chat index, KEYS[2]
-- the set of every participant that an older release kept (emptied as its participants leave)
-- ARGV[1] participant id, ARGV[2...] the fields the chat may be filed under (an HMAC of its id
-- per key, its plain id in an older release): each one that still names them goes.
for i = 2, #ARGV do
  if redis.call('HGET', KEYS[1], ARGV[i]) == ARGV[1] then
    redis.call('HDEL', KEYS[1], ARGV[i])
  end
end
return redis.call('SREM', KEYS[2], ARGV[1])
