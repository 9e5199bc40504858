-- Change one enrollment, and what goes with it, only if it is still as it was read: one round
-- trip where WATCH, a read and MULTI/EXEC take three. All keys are one participant's slot.
-- KEYS[1] the participant's hash, KEYS[2..] the keys the writes touch.
-- ARGV[1] the enrollment's field prefix ("<course>:"), ARGV[2] how many of its fields were
-- read, then that many field/value pairs; then the writes, each as: command, key index (into
-- KEYS), argument count, arguments.
-- Returns 1 when written, 0 when the enrollment changed since (nothing is written then).
local prefix, n = ARGV[1], tonumber(ARGV[2])
local expected = {}
for i = 3, 2 + 2 * n, 2 do
  expected[ARGV[i]] = ARGV[i + 1]
end
local found = 0
local stored = redis.call('HGETALL', KEYS[1])
for i = 1, #stored, 2 do
  local name = stored[i]
  if string.sub(name, 1, #prefix) == prefix then
    if expected[name] ~= stored[i + 1] then
      return 0
    end
    found = found + 1
  end
end
if found ~= n then
  return 0
end
local i = 3 + 2 * n
while i <= #ARGV do
  local command, key, count = ARGV[i], KEYS[tonumber(ARGV[i + 1])], tonumber(ARGV[i + 2])
  redis.call(command, key, unpack(ARGV, i + 3, i + 2 + count))
  i = i + 3 + count
end
return 1
