-- Take a chat's unsolicited items of one course or one kind out of its queue. The item in
-- flight stays: it is already on its way (and arrives before a confirmation). Replies are never
-- taken. When the head item goes, so does its failure state: the next item starts afresh and
-- nothing waits out a backoff that belonged to an item no longer there.
-- Uses: a participant paused a course ('hold': kept for /verder), stopped it ('drop': forgotten,
-- with whatever was held before), or a nudge that waited for WhatsApp's window no longer fits
-- now they are back ('forget': forgotten; what is held stays held).
-- KEYS[1] queue, KEYS[2] items, KEYS[3] held list, KEYS[4] in-flight id, KEYS[5] failure state
-- ARGV[1] the item field to match ('course_id' or 'kind'), ARGV[2] its value, ARGV[3] the mode.
-- Returns how many items were taken out.
local sending = redis.call('GET', KEYS[4])
local function ours(id)
  local raw = redis.call('HGET', KEYS[2], id)
  if not raw then return false end  -- a sealed reply never decodes: replies are never ours
  local ok, item = pcall(cjson.decode, raw)
  return ok and type(item) == 'table' and item[ARGV[1]] == ARGV[2] and item['lane'] ~= 'reply'
end
local taken = 0
local head = redis.call('LINDEX', KEYS[1], 0)
for _, id in ipairs(redis.call('LRANGE', KEYS[1], 0, -1)) do
  if id ~= sending and ours(id) then
    redis.call('LREM', KEYS[1], 1, id)
    taken = taken + 1
    if ARGV[3] == 'hold' then
      redis.call('RPUSH', KEYS[3], id)
    else
      redis.call('HDEL', KEYS[2], id)
    end
  end
end
if head and redis.call('LINDEX', KEYS[1], 0) ~= head then
  redis.call('DEL', KEYS[5])
end
if ARGV[3] == 'drop' then
  for _, id in ipairs(redis.call('LRANGE', KEYS[3], 0, -1)) do
    redis.call('HDEL', KEYS[2], id)
  end
  redis.call('DEL', KEYS[3])
end
return taken
