-- CoherenceRules.Sweep, the pruning, for one batch of (agent, artifact) pairs: the agents are those
-- silent past the prune limit when the store listed them (silent.lua), the artifacts those in their
-- touched sets. Drops the agent's S/I entry unless it fences a zombie (read epoch behind the owner
-- epoch), and only while the agent is still silent past the limit (it may have come back since).
-- Runs after every reclaim batch of the same sweep, so each artifact is reclaimed before it is
-- pruned, as in the rules. A pair whose entry is gone leaves the agent's touched set. Atomic per
-- batch; per artifact is what the protocol asks.
-- KEYS: agents, then per pair: touched(agent), rec, holders
-- ARGV: now ('' for the server's clock), prune limit as (seconds, ticks) (see threshold), then per
--   pair: agent, storeKey
-- Returns the number of entries dropped.
local thr = threshold(clock(ARGV[1]), ARGV[2], ARGV[3])
local n = (#KEYS - 1) / 3

local gone = {}
local pruned = 0
for i = 1, n do
  local touched_key, rec_key, holders_key = KEYS[3 * i - 1], KEYS[3 * i], KEYS[3 * i + 1]
  local agent, sk = ARGV[2 + 2 * i], ARGV[3 + 2 * i]
  local raw = r_call('HGET', holders_key, agent)
  if not raw then
    r_call('SREM', touched_key, sk)
  else
    local g = gone[agent]
    if g == nil then
      g = silent(r_call('HGET', KEYS[1], agent), thr)
      gone[agent] = g
    end
    if g then
      local e = decode(raw)
      local rec = load_record(rec_key)
      local epoch = 0
      if rec then epoch = rec.e end
      if not holds(e) and not (e.re and e.re < epoch) then
        r_call('HDEL', holders_key, agent)
        r_call('SREM', touched_key, sk)
        pruned = pruned + 1
      end
    end
  end
end
return pruned
