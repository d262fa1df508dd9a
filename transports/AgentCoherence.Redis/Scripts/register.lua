-- CoherenceRules.Register: registers an agent or refreshes its heartbeat (monotonic max).
-- KEYS: agents   ARGV: agent, now ('' for the server's clock)
local now = clock(ARGV[2])
local last = r_call('HGET', KEYS[1], ARGV[1])
if not last or ticks_le(last, now) then
  r_call('HSET', KEYS[1], ARGV[1], now)
end
return 1
