-- CoherenceRules.CommitCas / DeleteCas: a recorded operation returns its result first; then expected
-- ahead (invalid), expected behind (VersionConflict), another holder (HeldByOther), the caller's read
-- epoch behind (StaleEpoch); a winner holding the grant keeps it as M, any other winner becomes S. A
-- delete of a missing or deleted artifact is NotFound.
-- KEYS: agents, rec, holders, touched(agent), ops(agent)
-- ARGV: agent, now ('' for the server's clock), mode ('c' commit, 'd' delete), expectedVersion, storeKey,
--   op, hash, size, content
-- Returns { refusal, version } when refused, else the recorded text (op_record): the version and
-- the peers signalled.
local agent, mode, expected, sk, op = ARGV[1], ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local done, n = op_find(KEYS[5], op)
if done then return done end
local known = r_call('HEXISTS', KEYS[1], agent) == 1
local rec = load_record(KEYS[2])

if mode == 'd' and known and (not rec or not exists(rec)) then
  if not rec then return { refusal(NOT_FOUND, 0), '0' } end
  return { refusal(NOT_FOUND, rec.v, { tomb = rec.tomb, oe = rec.e }), fmt(rec.v) }
end

local refused, list, entry = check_cas(known, rec, KEYS[3], agent, expected)
if refused then
  local v = 0
  if rec then v = rec.v end
  return { refused, fmt(v) }
end

if not rec then rec = { v = 0, tomb = false, e = 0 } end
if not entry then
  entry = new_entry()
  r_call('SADD', KEYS[4], sk)
end

local content = nil
if mode == 'c' then content = { hash = ARGV[7], size = ARGV[8], bytes = ARGV[9] } end
local peers = apply(KEYS[2], KEYS[3], rec, list, agent, entry, content, clock(ARGV[2]), holds(entry))
return op_record(KEYS[5], op, n, rec.vs .. signal_line(sk, mode, rec.vs, rec.es, peers))
