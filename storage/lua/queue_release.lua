-- Give up the drain lock, but only if it is still ours: nothing is in flight any more then.
-- KEYS[1] lock, KEYS[2] in-flight id (optional); ARGV[1] token.
if redis.call('GET', KEYS[1]) == ARGV[1] then
  if KEYS[2] then
    redis.call('DEL', KEYS[2])
  end
  return redis.call('DEL', KEYS[1])
end
return 0
