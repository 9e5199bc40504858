-- The platform said "retry after": nobody sends on this channel until then, whichever worker
-- heard it. KEYS[1] the pause key; ARGV[1] milliseconds from now. Never shortens a pause.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local untill = now + tonumber(ARGV[1])
local current = tonumber(redis.call('GET', KEYS[1]) or 0)
if untill > current then
  redis.call('SET', KEYS[1], untill, 'PX', tonumber(ARGV[1]) + 1000)
end
return untill
