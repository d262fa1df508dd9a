-- CoherenceRules.Acquire: a recorded operation returns its result first; then HeldByOther, then
-- StaleView for an existing artifact the caller does not see at its current version; on success the
-- caller is E with the owner epoch captured.
-- KEYS: agents, rec, holders, touched(agent), granted, ops(agent)
-- ARGV: agent, now ('' for the server's clock), storeKey, op
-- Returns { refusal, version } when refused, else the recorded text (op_record) with the version.
local agent, sk, op = ARGV[1], ARGV[3], ARGV[4]
local done, n = op_find(KEYS[6], op)
if done then return done end
if r_call('HEXISTS', KEYS[1], agent) == 0 then
  return { refusal(UNKNOWN_AGENT, 0), '0' }
end

local rec = load_record(KEYS[2])
local created = false
if not rec then
  rec = { v = 0, tomb = false, e = 0 }
  created = true
end

local list, entry = load_peers(KEYS[3], agent)
local held = held_by_other(list, agent, rec)
if held then return { held, fmt(rec.v) } end

if entry and holds(entry) then return op_record(KEYS[6], op, n, fmt(rec.v)) end

if exists(rec) then
  if not (entry and entry.st ~= 'I' and entry.view == rec.v) then
    local caller = '0'
    if entry then caller = fmt(entry.view) end
    return { refusal(STALE_VIEW, rec.v, { caller = caller, oe = rec.e }), fmt(rec.v) }
  end
end

if not entry then
  entry = new_entry()
  r_call('SADD', KEYS[4], sk)
end
if not exists(rec) then entry.view = rec.v end
entry.st = 'E'
entry.re = rec.e
entry.gr = clock(ARGV[2])

if created then r_call('HSET', KEYS[2], 'v', '0', 't', '0', 'e', '0') end
r_call('HSET', KEYS[3], agent, encode(entry))
r_call('SADD', KEYS[5], sk)
return op_record(KEYS[6], op, n, fmt(rec.v))
