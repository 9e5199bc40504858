-- One inbound WhatsApp event, queued once: the platform retries webhooks and may repeat them.
-- KEYS[1] the event's seen key, KEYS[2] its chat's inbox, KEYS[3] the ready set, KEYS[4] the
-- chat's window key (all under {wa}).
-- ARGV[1] the event JSON, ARGV[2] how long (ms) the id is remembered, ARGV[3] the chat hash,
-- ARGV[4] the window's new end (course epoch ms, 0: the event opens no window), ARGV[5] real ms
-- until then.
-- Returns 1 when queued, 0 when the id was seen before (and nothing changed).
if not redis.call('SET', KEYS[1], '1', 'NX', 'PX', tonumber(ARGV[2])) then
  return 0
end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('RPUSH', KEYS[2], ARGV[1])
-- NX: a chat a worker holds keeps its lease; the holder finds the event before it lets go.
redis.call('ZADD', KEYS[3], 'NX', now, ARGV[3])
local until_ms = tonumber(ARGV[4])
local ttl = tonumber(ARGV[5])
if until_ms > 0 and ttl > 0 then
  local current = tonumber(redis.call('GET', KEYS[4]) or 0)
  if until_ms > current then
    redis.call('SET', KEYS[4], until_ms, 'PX', ttl)
  end
end
return 1
