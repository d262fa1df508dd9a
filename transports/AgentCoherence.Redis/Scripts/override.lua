-- CoherenceRules.Override, the uncoordinated write of observe mode: a recorded operation returns its
-- result first; then UnknownAgent, and for a delete of a missing or deleted artifact NotFound; nothing
-- else is checked. The writer's read epoch moves to the owner epoch, it keeps E/M as M if it held the
-- grant (else S), and every non-I peer, a grant holder included, becomes I and is signalled.
-- KEYS: agents, rec, holders, touched(agent), ops(agent)
-- ARGV: agent, now ('' for the server's clock), mode ('c' commit, 'd' delete), storeKey, op, hash,
--   size, content
-- Returns { refusal, version } when refused, else the recorded text (op_record): the version and
-- the peers signalled.
local agent, mode, sk, op = ARGV[1], ARGV[3], ARGV[4], ARGV[5]
local done, n = op_find(KEYS[5], op)
if done then return done end
if r_call('HEXISTS', KEYS[1], agent) == 0 then return { refusal(UNKNOWN_AGENT, 0), '0' } end
local rec = load_record(KEYS[2])

if mode == 'd' and (not rec or not exists(rec)) then
  if not rec then return { refusal(NOT_FOUND, 0), '0' } end
  return { refusal(NOT_FOUND, rec.v, { tomb = rec.tomb, oe = rec.e }), fmt(rec.v) }
end

local list, entry = {}, nil
if rec then
  list, entry = load_peers(KEYS[3], agent)
else
  rec = { v = 0, tomb = false, e = 0 }
end
if not entry then
  entry = new_entry()
  r_call('SADD', KEYS[4], sk)
end
entry.re = rec.e

local content = nil
if mode == 'c' then content = { hash = ARGV[6], size = ARGV[7], bytes = ARGV[8] } end
local peers = apply(KEYS[2], KEYS[3], rec, list, agent, entry, content, clock(ARGV[2]), true)
return op_record(KEYS[5], op, n, rec.vs .. signal_line(sk, mode, rec.vs, rec.es, peers))
