-- CoherenceRules.Forget, one batch at a time: drops the agent's entries on the artifacts in this
-- batch (releasing its grants there) and takes them out of its touched set; once the touched set is
-- empty, drops the operation log and unregisters the agent in the same call. The store starts with
-- no artifacts and sends back what the previous call returned, so each call visits at most
-- MaxArtifactsPerScript artifacts.
-- Why batches are enough: the agent stays registered until its last entry is gone, so at no point
-- is there an entry of an agent the store does not know (the sweep would take such a grant for a
-- silent one). Between batches the agent has fewer entries, as if it had released those grants and
-- its views had been pruned: a grant dropped here is released (no epoch moves, as in the rules), and
-- any operation the agent still makes is checked against what is left. An entry the agent creates
-- meanwhile joins the touched set and is dropped by a later batch before the agent is unregistered.
-- KEYS: agents, touched(agent), granted, ops(agent), then per artifact: holders
-- ARGV: agent, how many artifacts the next batch may hold, then the artifacts' store keys
-- Returns { 1, registered (1/0) } when done, else { 0, store keys of the next batch }.
local agent = ARGV[1]
for i = 5, #KEYS do
  local sk, holders_key = ARGV[i - 2], KEYS[i]
  local raw = r_call('HGET', holders_key, agent)
  if raw then
    if holds(decode(raw)) then r_call('SREM', KEYS[3], sk) end
    r_call('HDEL', holders_key, agent)
  end
  r_call('SREM', KEYS[2], sk)
end

if r_call('SCARD', KEYS[2]) > 0 then
  return { 0, r_call('SRANDMEMBER', KEYS[2], ARGV[2]) }
end
r_call('DEL', KEYS[4])
return { 1, r_call('HDEL', KEYS[1], agent) }
