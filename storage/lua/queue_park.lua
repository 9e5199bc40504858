-- An item failed too often: move it from the queue to the parked list, where operators see it,
-- so the rest of the chat's queue can go on. KEYS[1] lock, KEYS[2] queue, KEYS[3] items,
-- KEYS[4] in-flight id, KEYS[5] state, KEYS[6] parked list
-- ARGV[1] token, ARGV[2] item id, ARGV[3] a JSON note of why (no message text).
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return -1
end
local item = redis.call('HGET', KEYS[3], ARGV[2])
local removed = redis.call('LREM', KEYS[2], 1, ARGV[2])
redis.call('HDEL', KEYS[3], ARGV[2])
redis.call('DEL', KEYS[4], KEYS[5])
if removed > 0 and item then
  -- An item is JSON, or a sealed reply (kept sealed, as a string).
  local ok, decoded = pcall(cjson.decode, item)
  if not ok then decoded = item end
  redis.call('RPUSH', KEYS[6], cjson.encode({item = decoded, why = cjson.decode(ARGV[3])}))
end
return removed
