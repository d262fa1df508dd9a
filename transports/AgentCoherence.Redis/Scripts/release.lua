-- CoherenceRules.Release: a recorded operation returns its result first (the store reads it as
-- true); then E/M becomes S, the view kept, recorded with no versions. 0 when the caller held no
-- grant (not recorded).
-- KEYS: holders, granted, ops(agent)   ARGV: agent, storeKey, op
-- Returns 0, 1, or a recorded text.
local agent, op = ARGV[1], ARGV[3]
local done, n = op_find(KEYS[3], op)
if done then return done end
local raw = r_call('HGET', KEYS[1], agent)
if not raw then return 0 end
local entry = decode(raw)
if not holds(entry) then return 0 end
entry.st = 'S'
entry.gr = ''
r_call('HSET', KEYS[1], agent, encode(entry))
r_call('SREM', KEYS[2], ARGV[2])
if op ~= '' then op_record(KEYS[3], op, n, '') end
return 1
