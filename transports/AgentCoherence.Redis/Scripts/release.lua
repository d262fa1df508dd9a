-- CoherenceRules.Release: E/M becomes S, the view kept. 0 when the caller held no grant.
-- KEYS: holders, granted   ARGV: agent, storeKey
local raw = r_call('HGET', KEYS[1], ARGV[1])
if not raw then return 0 end
local entry = decode(raw)
if not holds(entry) then return 0 end
entry.st = 'S'
entry.gr = ''
r_call('HSET', KEYS[1], ARGV[1], encode(entry))
r_call('SREM', KEYS[2], ARGV[2])
return 1
