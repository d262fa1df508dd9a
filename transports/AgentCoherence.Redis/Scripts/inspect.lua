-- A consistent copy of one record and its holders, for diagnostics and tests.
-- KEYS: rec, holders   Returns false when the store has no record, else { rec fields, holder fields }.
local rec = r_call('HGETALL', KEYS[1])
if #rec == 0 then return false end
return { rec, r_call('HGETALL', KEYS[2]) }
