-- Slots of a shared budget (the whole bot's, with the bulk lane's for unsolicited sends)
-- reserved for one process, which spends them itself: one call for a batch of messages instead
-- of one a message. GCRA, as rate_gcra.lua keeps it, on the server's clock: each slot goes at
-- the earliest time every bucket allows, and each bucket's arrival time then moves on one
-- interval, as if a message went at that time; so the slots of every process together never
-- exceed the budget, whichever process spends them.
-- KEYS[1] the channel's pause key (epoch ms until which nothing may be sent), KEYS[2..n] the
-- budget's buckets; one hash slot.
-- ARGV[1] the most slots to take, ARGV[2] the longest wait for the first (µs), ARGV[3] how far
-- after the first the others may lie (µs); then for bucket KEYS[i], ARGV[2i] its interval and
-- ARGV[2i+1] its tolerance (µs), less the grace the process has to spend a slot after its time.
-- Returns {0, µs to wait, the index in KEYS of the bucket that binds (1: a pause)} when the
-- first slot is further off than ARGV[2] (nothing is taken then); else {1, then for each slot
-- its time in µs after now and 1 when it waits (the channel is at its limit), else 0}. With
-- the tolerance less the grace, a slot out of the second half of the tightest bucket's burst
-- (what rate_gcra.lua calls busy) is one that waits.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])

local paused = tonumber(redis.call('GET', KEYS[1]) or 0) * 1000  -- kept in ms
if paused > now then
  return {0, paused - now, 1}
end

local tats = {}
for i = 2, #KEYS do
  local tat = tonumber(redis.call('GET', KEYS[i]) or now)
  if tat < now then tat = now end
  tats[i] = tat
end
local out = {1}
local first = now
for k = 1, tonumber(ARGV[1]) do
  local at, binding = now, 0
  for i = 2, #KEYS do
    local earliest = tats[i] - tonumber(ARGV[2 * i + 1])
    if earliest > at then
      at, binding = earliest, i
    end
  end
  if k == 1 then
    if at - now > tonumber(ARGV[2]) then
      return {0, at - now, binding}
    end
    first = at
  elseif at - first > tonumber(ARGV[3]) then
    break
  end
  local busy = 0
  if at > now then busy = 1 end
  for i = 2, #KEYS do
    if tats[i] < at then tats[i] = at end
    tats[i] = tats[i] + tonumber(ARGV[2 * i])
  end
  out[#out + 1] = at - now
  out[#out + 1] = busy
end
for i = 2, #KEYS do
  redis.call('SET', KEYS[i], string.format('%d', tats[i]), 'PX',
             math.floor((tats[i] - now) / 1000) + 1000)
end
return out
