-- CoherenceRules.Forget: drops every entry of the agent (releasing its grants), its operation log,
-- and unregisters it. The agent's entries are found through its touched set, so the cost is the
-- agent's own artifacts.
-- KEYS: agents, touched(agent), granted, ops(agent)   ARGV: agent, keyPrefix
-- Returns 1 when the agent was registered.
local agent, prefix = ARGV[1], ARGV[2]
for _, sk in ipairs(r_call('SMEMBERS', KEYS[2])) do
  local holders_key = prefix .. '{' .. sk .. '}:holders'
  local raw = r_call('HGET', holders_key, agent)
  if raw then
    if holds(decode(raw)) then r_call('SREM', KEYS[3], sk) end
    r_call('HDEL', holders_key, agent)
  end
end
r_call('DEL', KEYS[2], KEYS[4])
return r_call('HDEL', KEYS[1], agent)
