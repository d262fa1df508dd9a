-- CoherenceRules.CommitCas / DeleteCas: expected ahead (invalid), expected behind (VersionConflict),
-- another holder (HeldByOther), the caller's read epoch behind (StaleEpoch); a winner holding the
-- grant keeps it as M, any other winner becomes S. A delete of a missing or deleted artifact is NotFound.
-- KEYS: agents, rec, holders, touched(agent)
-- ARGV: agent, now, mode ('c' commit, 'd' delete), expectedVersion, storeKey, hash, size, content
-- Returns { refusal|false, version, signals }
local agent, now, mode, expected, sk = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
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
if mode == 'c' then content = { hash = ARGV[6], size = ARGV[7], bytes = ARGV[8] } end
local signals = apply(KEYS[2], KEYS[3], rec, list, agent, entry, content, now, holds(entry))
return { false, rec.vs, signals }
