-- Shared pacing (GCRA, the generic cell rate algorithm) for every worker at once.
-- KEYS[1] the channel's pause key (epoch ms until which nothing may be sent: the platform said
-- "retry after"), KEYS[2..n] bucket keys (the whole bot, a lane, one chat); one hash slot.
-- For bucket j (KEYS[j+1]): ARGV[2j-1] emission interval (µs), ARGV[2j] tolerance (µs) =
-- interval * (burst - 1). Times are microseconds, so any pace is kept as set.
-- The server's clock is the one clock here, so workers on different machines agree.
-- Returns {0, 0, busy} when a message may go now (and counts it in every bucket; busy is 1 when
-- more than half a shared bucket's burst was in use), else {the
-- microseconds to wait, the index in KEYS of the bucket that binds (1: a pause)}, counting
-- nothing.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])

local paused = tonumber(redis.call('GET', KEYS[1]) or 0) * 1000  -- kept in ms
if paused > now then
  return {paused - now, 1}
end

local wait = 0
local binding = 0
local tats = {}
for i = 2, #KEYS do
  local tat = tonumber(redis.call('GET', KEYS[i]) or now)
  if tat < now then tat = now end
  tats[i] = tat
  local w = tat - tonumber(ARGV[2 * (i - 1)]) - now
  if w > wait then
    wait = w
    binding = i
  end
end
if wait > 0 then
  return {wait, binding}
end
-- Granted out of the second half of a shared bucket's burst (it was already ahead of now by
-- more than half its tolerance): the channel is at its limit, so the sender should let other
-- chats have their turn. A few messages close together far under the limit (one worker's
-- handlers asking one after the other) are not that.
local busy = 0
for i = 2, #KEYS do
  if i ~= 3 and tats[i] - now > tonumber(ARGV[2 * (i - 1)]) / 2 then busy = 1 end
  local next_tat = tats[i] + tonumber(ARGV[2 * (i - 1) - 1])
  redis.call('SET', KEYS[i], string.format('%d', next_tat), 'PX',
             math.floor((next_tat - now) / 1000) + 1000)
end
return {0, 0, busy}
