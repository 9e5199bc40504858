-- The lock holder is still at work (a send the platform is slow to answer): keep the lock.
-- KEYS[1] lock; ARGV[1] token, ARGV[2] ms. Returns 1 when renewed, 0 when it is not ours.
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
