-- CoherenceRules.Heartbeat: 0 when the agent is unknown, else 1 after recording now (monotonic max).
-- KEYS: agents   ARGV: agent, now
local last = r_call('HGET', KEYS[1], ARGV[1])
if not last then return 0 end
if not ticks_le(ARGV[2], last) then
  r_call('HSET', KEYS[1], ARGV[1], ARGV[2])
end
return 1
