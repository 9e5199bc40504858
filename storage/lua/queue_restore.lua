-- A participant resumed: what was held goes back to the end of the queue, in its order.
-- KEYS[1] queue, KEYS[2] held list. Returns how many came back.
local held = redis.call('LRANGE', KEYS[2], 0, -1)
for _, id in ipairs(held) do
  redis.call('RPUSH', KEYS[1], id)
end
redis.call('DEL', KEYS[2])
return #held
