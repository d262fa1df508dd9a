-- CoherenceRules.CommitAll: every member passes the CommitCas checks and all advance together, or
-- nothing changes and the per-member refusals say why. Signals are returned only when all landed.
-- KEYS: agents, touched(agent), then per member: rec, holders
-- ARGV: agent, now, then per member: storeKey, expectedVersion, hash, size, content
-- Returns { refusals (false per passing member), versions, signals as (member index, peer) pairs }
local agent, now = ARGV[1], ARGV[2]
local known = r_call('HEXISTS', KEYS[1], agent) == 1
local n = (#KEYS - 2) / 2
local refusals, versions, loaded = {}, {}, {}
local any = false
for i = 1, n do
  local rec = load_record(KEYS[1 + 2 * i])
  local v = 0
  if rec then v = rec.v end
  versions[i] = fmt(v)
  local refused, list, entry = check_cas(known, rec, KEYS[2 + 2 * i], agent, ARGV[3 + (i - 1) * 5 + 1])
  if refused then
    refusals[i] = refused
    any = true
  else
    refusals[i] = false
  end
  loaded[i] = { rec = rec, list = list, entry = entry }
end

if any then return { refusals, versions, {} } end

local signals = {}
for i = 1, n do
  local base = 3 + (i - 1) * 5
  local m = loaded[i]
  local rec = m.rec or { v = 0, tomb = false, e = 0 }
  local entry = m.entry
  if not entry then
    entry = new_entry()
    r_call('SADD', KEYS[2], ARGV[base])
  end
  local content = { hash = ARGV[base + 2], size = ARGV[base + 3], bytes = ARGV[base + 4] }
  local peers = apply(KEYS[1 + 2 * i], KEYS[2 + 2 * i], rec, m.list, agent, entry, content, now, holds(entry))
  versions[i] = fmt(rec.v)
  for _, peer in ipairs(peers) do
    signals[#signals + 1] = i - 1
    signals[#signals + 1] = peer
  end
end
return { refusals, versions, signals }
