-- CoherenceRules.Read: the reader becomes S (a grant holder keeps E/M) with its view at the version
-- and its read epoch at the owner epoch; content moves unless the caller already knows the version.
-- KEYS: agents, rec, holders, touched(agent)   ARGV: agent, knownVersion, storeKey
-- Returns { refusal|false, version, included, content, hash, size, writer, committedAt, ownerEpoch },
-- or { refusal } alone for an unknown agent or an artifact without a record.
local agent, known, sk = ARGV[1], ARGV[2], ARGV[3]
if r_call('HEXISTS', KEYS[1], agent) == 0 then
  return { refusal(UNKNOWN_AGENT, 0) }
end

local rec = load_record(KEYS[2])
if not rec then
  return { refusal(NOT_FOUND, 0) }
end

local raw = r_call('HGET', KEYS[3], agent)
local entry
if raw then entry = decode(raw) else entry = new_entry() end
if not holds(entry) then entry.st = 'S' end
entry.view = rec.v
entry.re = rec.e
r_call('HSET', KEYS[3], agent, encode(entry))
if not raw then r_call('SADD', KEYS[4], sk) end

local meta = r_call('HMGET', KEYS[2], 'h', 's', 'w', 'at')
-- A tombstone, or a record an Acquire created with nothing committed: not found, but the read is
-- registered like any other, so it re-arms the reader's own fence.
if not exists(rec) then
  return { refusal(NOT_FOUND, rec.v, { tomb = rec.tomb, oe = rec.e }), fmt(rec.v), '0', '', '', '0', meta[3], meta[4], rec.es }
end

local included = known ~= fmt(rec.v)
local content = ''
if included then content = r_call('HGET', KEYS[2], 'c') end
local flag = '0'
if included then flag = '1' end
return { false, fmt(rec.v), flag, content, meta[1], meta[2], meta[3], meta[4], rec.es }
