-- Shared pacing (GCRA, the generic cell rate algorithm) for every worker at once.
-- KEYS[1] the channel's overall key; KEYS[2] (optional) one chat's key; same hash slot.
-- ARGV[1] overall emission interval (ms), ARGV[2] overall tolerance (ms) = interval * (burst - 1),
-- ARGV[3] chat interval (ms), ARGV[4] chat tolerance (ms).
-- The server's clock is the one clock here, so workers on different machines agree.
-- Returns 0 when a message may go now (and counts it), else the milliseconds to wait
-- (and counts nothing).
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)

local function arrival(key)
  local tat = tonumber(redis.call('GET', key) or now)
  if tat < now then tat = now end
  return tat
end

local tat1 = arrival(KEYS[1])
local wait = tat1 - tonumber(ARGV[2]) - now
local tat2 = nil
if #KEYS > 1 then
  tat2 = arrival(KEYS[2])
  local chat_wait = tat2 - tonumber(ARGV[4]) - now
  if chat_wait > wait then wait = chat_wait end
end
if wait > 0 then
  return wait
end
local next1 = tat1 + tonumber(ARGV[1])
redis.call('SET', KEYS[1], next1, 'PX', next1 - now + 1000)
if tat2 then
  local next2 = tat2 + tonumber(ARGV[3])
  redis.call('SET', KEYS[2], next2, 'PX', next2 - now + 1000)
end
return 0
