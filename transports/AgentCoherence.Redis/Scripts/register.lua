-- CoherenceRules.Register: registers an agent or refreshes its heartbeat (monotonic max).
-- KEYS: agents   ARGV: agent, now
local last = r_call('HGET', KEYS[1], ARGV[1])
if not last or ticks_le(last, ARGV[2]) then
  r_call('HSET', KEYS[1], ARGV[1], ARGV[2])
end
return 1
