-- CoherenceRules.Heartbeat: 0 when the agent is unknown, else 1 after recording now (monotonic max).
-- KEYS: agents   ARGV: agent, now ('' for the server's clock)
local last = r_call('HGET', KEYS[1], ARGV[1])
if not last then return 0 end
local now = clock(ARGV[2])
if not ticks_le(now, last) then
  r_call('HSET', KEYS[1], ARGV[1], now)
end
return 1
