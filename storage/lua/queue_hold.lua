-- A participant paused or stopped a course: take that course's unsolicited items (lessons,
-- nudges, the end message) out of the chat's queue, so nothing of it arrives after the bot
-- confirmed. The item in flight stays: it is already on its way and arrives before the
-- confirmation. Replies are never held.
-- When the head item goes, so does its failure state: the next item starts afresh and nothing
-- waits out a backoff that belonged to an item no longer there.
-- KEYS[1] queue, KEYS[2] items, KEYS[3] held list, KEYS[4] in-flight id, KEYS[5] failure state
-- ARGV[1] course id, ARGV[2] 'hold' (keep them for /verder) or 'drop' (forget them, and
-- whatever was held before). Returns how many items were taken out.
local sending = redis.call('GET', KEYS[4])
local function ours(id)
  local raw = redis.call('HGET', KEYS[2], id)
  if not raw then return false end
  local ok, item = pcall(cjson.decode, raw)
  return ok and type(item) == 'table' and item['course_id'] == ARGV[1] and item['lane'] ~= 'reply'
end
local taken = 0
local head = redis.call('LINDEX', KEYS[1], 0)
for _, id in ipairs(redis.call('LRANGE', KEYS[1], 0, -1)) do
  if id ~= sending and ours(id) then
    redis.call('LREM', KEYS[1], 1, id)
    taken = taken + 1
    if ARGV[2] == 'hold' then
      redis.call('RPUSH', KEYS[3], id)
    else
      redis.call('HDEL', KEYS[2], id)
    end
  end
end
if head and redis.call('LINDEX', KEYS[1], 0) ~= head then
  redis.call('DEL', KEYS[5])
end
if ARGV[2] == 'drop' then
  for _, id in ipairs(redis.call('LRANGE', KEYS[3], 0, -1)) do
    redis.call('HDEL', KEYS[2], id)
  end
  redis.call('DEL', KEYS[3])
end
return taken
