-- The holder of a WhatsApp chat (token ARGV[2]) finished its first event (ARGV[4] = '1') or only
-- extends its lease (ARGV[4] = '0') by ARGV[3] ms. KEYS[1] the ready set, KEYS[2] the owners
-- hash, KEYS[3] the chat's inbox; ARGV[1] the chat hash.
-- Returns -1 when the lease was lost (nothing changed), else how many events still wait; at 0
-- the chat is let go in the same step, so an event queued meanwhile is never left behind.
if redis.call('HGET', KEYS[2], ARGV[1]) ~= ARGV[2] then
  return -1
end
if ARGV[4] == '1' then
  redis.call('LPOP', KEYS[3])
end
local left = redis.call('LLEN', KEYS[3])
if left == 0 then
  redis.call('ZREM', KEYS[1], ARGV[1])
  redis.call('HDEL', KEYS[2], ARGV[1])
  return 0
end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
return left
