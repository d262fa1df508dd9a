-- CoherenceRules.CommitAll: the batch's shape first (CheckBatch: at least one member, no artifact
-- twice), then a recorded operation returns its result; then every member passes the CommitCas
-- checks and all advance together, or nothing changes and the per-member refusals say why.
-- KEYS: agents, touched(agent), ops(agent), then per member: rec, holders
-- ARGV: agent, now ('' for the server's clock), op, then per member: storeKey, expectedVersion, hash,
--   size, content
-- Returns an error 'ACBATCH empty' or 'ACBATCH duplicate <index>' (the store throws CheckBatch's
-- CoherenceArgumentException); { refusals (false per passing member), versions } when a member is
-- refused; else the recorded text (op_record): the versions and, per member, the peers signalled.
local agent, op = ARGV[1], ARGV[3]
local n = (#KEYS - 3) / 2
if n < 1 then return r_error('ACBATCH empty') end
local seen = {}
for i = 1, n do
  local sk = ARGV[4 + (i - 1) * 5]
  if seen[sk] then return r_error('ACBATCH duplicate ' .. fmt(i - 1)) end
  seen[sk] = true
end

local done, count = op_find(KEYS[3], op)
if done then return done end
local known = r_call('HEXISTS', KEYS[1], agent) == 1
local refusals, versions, loaded = {}, {}, {}
local any = false
for i = 1, n do
  local rec = load_record(KEYS[2 + 2 * i])
  local v = 0
  if rec then v = rec.v end
  versions[i] = fmt(v)
  local refused, list, entry = check_cas(known, rec, KEYS[3 + 2 * i], agent, ARGV[4 + (i - 1) * 5 + 1])
  if refused then
    refusals[i] = refused
    any = true
  else
    refusals[i] = false
  end
  loaded[i] = { rec = rec, list = list, entry = entry }
end

if any then return { refusals, versions } end

local lines, now = {}, clock(ARGV[2])
for i = 1, n do
  local base = 4 + (i - 1) * 5
  local m = loaded[i]
  local rec = m.rec or { v = 0, tomb = false, e = 0 }
  local entry = m.entry
  if not entry then
    entry = new_entry()
    r_call('SADD', KEYS[2], ARGV[base])
  end
  local content = { hash = ARGV[base + 2], size = ARGV[base + 3], bytes = ARGV[base + 4] }
  local peers = apply(KEYS[2 + 2 * i], KEYS[3 + 2 * i], rec, m.list, agent, entry, content, now, holds(entry))
  versions[i] = rec.vs
  lines[i] = signal_line(ARGV[base], 'c', rec.vs, rec.es, peers)
end
return op_record(KEYS[3], op, count, t_concat(versions, ',') .. t_concat(lines))
