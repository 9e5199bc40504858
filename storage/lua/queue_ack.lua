-- The platform accepted (or finally refused) an item: remove it by id, and forget the chat's
-- failures. KEYS[1] lock, KEYS[2] queue, KEYS[3] items, KEYS[4] in-flight id, KEYS[5] state
-- ARGV[1] token, ARGV[2] item id.
-- Returns -1 when the lock is no longer ours (the drain must stop), else how many were removed
-- (0 when a pause or stop took the item out meanwhile).
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return -1
end
local removed = redis.call('LREM', KEYS[2], 1, ARGV[2])
redis.call('HDEL', KEYS[3], ARGV[2])
redis.call('DEL', KEYS[4], KEYS[5])
return removed
