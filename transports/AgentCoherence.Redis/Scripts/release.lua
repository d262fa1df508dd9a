-- CoherenceRules.Release: E/M becomes S, the view kept. 0 when the caller held no grant.
-- KEYS: holders, granted   ARGV: agent, storeKey
local raw = redis.call('HGET', KEYS[1], ARGV[1])
if not raw then return 0 end
local entry = decode(raw)
if not holds(entry) then return 0 end
entry.st = 'S'
entry.gr = ''
redis.call('HSET', KEYS[1], ARGV[1], encode(entry))
redis.call('SREM', KEYS[2], ARGV[2])
return 1
