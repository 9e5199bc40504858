-- Drop the first outbox item, but only if it is still the one the caller just sent.
-- KEYS[1] outbox list; ARGV[1] the item as sent. Returns 1 when popped, 0 otherwise.
if redis.call('LINDEX', KEYS[1], 0) == ARGV[1] then
  redis.call('LPOP', KEYS[1])
  return 1
end
return 0
