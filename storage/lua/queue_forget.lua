-- Forget the queued items of one kind (a nudge that waited for WhatsApp's window, once the
-- participant is back and a reminder no longer fits). The item in flight stays: it is already
-- on its way. When the head item goes, so does its failure state, as in queue_hold.lua.
-- KEYS[1] queue, KEYS[2] items, KEYS[3] in-flight id, KEYS[4] failure state
-- ARGV[1] the kind. Returns how many items were forgotten.
local sending = redis.call('GET', KEYS[3])
local function of_kind(id)
  local raw = redis.call('HGET', KEYS[2], id)
  if not raw then return false end
  local ok, item = pcall(cjson.decode, raw)
  return ok and type(item) == 'table' and item['kind'] == ARGV[1]
end
local forgotten = 0
local head = redis.call('LINDEX', KEYS[1], 0)
for _, id in ipairs(redis.call('LRANGE', KEYS[1], 0, -1)) do
  if id ~= sending and of_kind(id) then
    redis.call('LREM', KEYS[1], 1, id)
    redis.call('HDEL', KEYS[2], id)
    forgotten = forgotten + 1
  end
end
if head and redis.call('LINDEX', KEYS[1], 0) ~= head then
  redis.call('DEL', KEYS[4])
end
return forgotten
