-- CoherenceRules.Commit / Delete under the grant: a recorded operation returns its result first;
-- then requires E/M and an unmoved epoch (a reclaimed zombie hears StaleEpoch before NotOwner). A
-- delete of a missing or deleted artifact is NotFound.
-- KEYS: agents, rec, holders, ops(agent)
-- ARGV: agent, now ('' for the server's clock), mode ('c' commit, 'd' delete), op, storeKey, hash, size,
--   content
-- Returns { refusal, version } when refused, else the recorded text (op_record): the version and
-- the peers signalled.
local agent, mode, op, sk = ARGV[1], ARGV[3], ARGV[4], ARGV[5]
local done, n = op_find(KEYS[4], op)
if done then return done end
local known = r_call('HEXISTS', KEYS[1], agent) == 1
local rec = load_record(KEYS[2])

if mode == 'd' and known and rec and not exists(rec) then
  return { refusal(NOT_FOUND, rec.v, { tomb = rec.tomb, oe = rec.e }), fmt(rec.v) }
end

if not known then return { refusal(UNKNOWN_AGENT, 0), '0' } end

if not rec then return { refusal(NOT_OWNER, 0), '0' } end
local list, entry = load_peers(KEYS[3], agent)
if not entry then return { refusal(NOT_OWNER, rec.v, { oe = rec.e }), fmt(rec.v) } end

if entry.re and entry.re < rec.e then return { stale_epoch(rec, entry), fmt(rec.v) } end
if not holds(entry) then
  return { refusal(NOT_OWNER, rec.v, { oe = rec.e, rt = entry.rt, ra = entry.ra, rep = entry.rep }), fmt(rec.v) }
end
if entry.re ~= rec.e then return { stale_epoch(rec, entry), fmt(rec.v) } end

local content = nil
if mode == 'c' then content = { hash = ARGV[6], size = ARGV[7], bytes = ARGV[8] } end
local peers = apply(KEYS[2], KEYS[3], rec, list, agent, entry, content, clock(ARGV[2]), true)
return op_record(KEYS[4], op, n, rec.vs .. signal_line(sk, mode, rec.vs, rec.es, peers))
