-- Link a chat to a new participant, in one step: the commit point of creating a participant
-- (their record was written just before, and is unreachable until this runs). The chat indexes
-- are also what counts participants.
-- KEYS[1] the channel's chat index, KEYS[2] the set of every participant that an older release
-- kept (only ever emptied now; same hash slot)
-- ARGV[1] what the chat is filed under (an HMAC of its id), ARGV[2] the new participant's id,
-- ARGV[3] a participant id the index may still name although its record is gone (a delete cut
-- short), or ''.
-- Returns the participant id the chat belongs to now.
local current = redis.call('HGET', KEYS[1], ARGV[1])
if current and current == ARGV[3] then
  redis.call('HDEL', KEYS[1], ARGV[1])
  redis.call('SREM', KEYS[2], current)
  current = false
end
if current then
  return current
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return ARGV[2]
