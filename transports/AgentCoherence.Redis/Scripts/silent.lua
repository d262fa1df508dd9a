-- The agents the sweep's pruning visits: one page of the agents hash (HSCAN from a cursor), keeping
-- those silent past the prune limit. The store runs it from cursor '0' until the cursor comes back
-- '0', then prunes the entries in those agents' touched sets in batches (prune.lua), which checks
-- silence again.
-- KEYS: agents
-- ARGV: cursor, page size, now ('' for the server's clock), prune limit as (seconds, ticks) (see threshold)
-- Returns { next cursor, agent, agent, ... }
local thr = threshold(clock(ARGV[3]), ARGV[4], ARGV[5])
local page = r_call('HSCAN', KEYS[1], ARGV[1], 'COUNT', ARGV[2])
local flat, found = page[2], { page[1] }
for i = 1, #flat, 2 do
  if silent(flat[i + 1], thr) then found[#found + 1] = flat[i] end
end
return found
