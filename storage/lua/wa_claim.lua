-- Take up to ARGV[3] WhatsApp chats whose inbox waits, each with a lease of ARGV[2] ms for the
-- worker whose token is ARGV[1]. KEYS[1] the ready set, KEYS[2] the owners hash (under {wa}).
-- A chat's score is when it may be taken: now for news, a lease's end while someone holds it,
-- so a worker that dies lets its chats go when their leases run out.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[3]))
for _, chat in ipairs(due) do
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), chat)
  redis.call('HSET', KEYS[2], chat, ARGV[1])
end
return due
