-- Shared helpers, prepended to every script when it is loaded (Redis scripts cannot include files).
-- Each script mirrors one method of CoherenceRules (src/AgentCoherence/Protocol/CoherenceRules.cs):
-- same checks in the same order, same refusal data, same state changes, same signals.
--
-- Data (see README.md, "Key layout"):
--   rec hash      v (version) t ('1' tombstone) e (owner epoch) c (content) h (sha-256 hex)
--                 s (size in tokens) w (last writer) at (committed at)
--   holders hash  agent id -> 'state|view|readEpoch|grantedAt|reclaimTrigger|reclaimAt|reclaimEpoch'
--                 (state is M, E, S or I; an empty field is null)
--   ops hash      per agent: '#' -> n (operations recorded), operation id -> 'seq\n' .. result (op_record)
-- Times are UTC ticks as 19-digit zero-padded decimal strings: ticks (~6.4e17) exceed 2^53, so they
-- are never turned into Lua numbers whole; scripts copy and compare them, and do arithmetic only on
-- their two halves (whole seconds, the first 12 digits, and the ticks within the second, the last 7).
-- Versions and epochs are Lua numbers (exact up to 2^53).
--
-- Every key a script touches is in its KEYS (Redis Cluster routes a script by its keys, and all keys
-- of a store share the prefix's hash tag); no script builds a key name of its own.

-- The builtins the scripts call, as locals: every global lookup costs a metatable call in Redis's
-- sandbox. Redis 7.0 hides the builtins while a function library loads, so they are bound on the
-- first call (bind_builtins, run by the code in front of every script), not at load time.
local r_call, r_error, s_format, s_match, s_byte, s_sub, to_num, t_sort, t_unpack, t_concat

local function bind_builtins()
  r_call, r_error, s_format, s_match, s_byte, s_sub = redis.call, redis.error_reply, string.format, string.match, string.byte, string.sub
  to_num, t_sort, t_unpack, t_concat = tonumber, table.sort, unpack, table.concat
end

local STALE_VIEW, HELD_BY_OTHER, NOT_OWNER, VERSION_CONFLICT, STALE_EPOCH, NOT_FOUND, AHEAD, UNKNOWN_AGENT = 1, 2, 3, 4, 5, 6, 7, 8

local function fmt(n)
  return s_format('%d', n)
end

-- The rules' order for agent ids and store keys: ordinal on UTF-16 code units (string.CompareOrdinal).
-- Lua's '<' on strings uses strcoll, which depends on the server's locale, so compare bytes here.
-- UTF-8 byte order equals code point order, which differs from UTF-16 order only where a character
-- above U+FFFF (UTF-8 lead byte F0..F4, a surrogate pair in UTF-16) meets one in U+E000..U+FFFF
-- (lead byte EE or EF): in UTF-16 the surrogates sort first. The first differing byte of two valid
-- UTF-8 strings is either a lead byte in both or a continuation byte in both, so ranking the lead
-- bytes EE and EF above F0..F4 reproduces UTF-16 ordinal order exactly.
local function utf16_rank(b)
  if b == 0xEE or b == 0xEF then return b + 0x10 end
  return b
end

local function ordinal_lt(a, b)
  local n = #a
  if #b < n then n = #b end
  for i = 1, n do
    local x, y = s_byte(a, i), s_byte(b, i)
    if x ~= y then return utf16_rank(x) < utf16_rank(y) end
  end
  return #a < #b
end

-- The time a script runs at (one clock per directory, PROTOCOL.md "Faults"): the 'now' argument the
-- store passed when it uses the client's clock (RedisClock.Client), else, when that argument is '',
-- the server's clock. TIME answers seconds and microseconds since 1970; 62135596800 is the seconds
-- from 0001-01-01 (tick 0) to 1970-01-01, and a microsecond is 10 ticks.
local function clock(arg)
  if arg ~= '' then return arg end
  local t = r_call('TIME')
  return s_format('%012d%07d', to_num(t[1]) + 62135596800, to_num(t[2]) * 10)
end

-- The tick string t for which "since <= t" means "now - since >= limit", or '' when no time can be
-- that old (the limit reaches back before tick 0). The store sends the limit split as
-- lim_s * 10^7 + lim_t ticks with 0 <= lim_t < 10^7 (lim_s may be negative), so every number here is
-- exact in a double.
local function threshold(now, lim_s, lim_t)
  local s = to_num(s_sub(now, 1, 12)) - to_num(lim_s)
  local t = to_num(s_sub(now, 13)) - to_num(lim_t)
  if t < 0 then
    t = t + 10000000
    s = s - 1
  end
  if s < 0 then return '' end
  return s_format('%012d%07d', s, t)
end

-- a <= b for two 19-digit tick strings, compared in two exact halves.
local function ticks_le(a, b)
  local ah, bh = to_num(s_sub(a, 1, 10)), to_num(s_sub(b, 1, 10))
  if ah ~= bh then return ah < bh end
  return to_num(s_sub(a, 11)) <= to_num(s_sub(b, 11))
end

-- A missing heartbeat counts as silent forever (TimeSpan.MaxValue in the rules); '' is a threshold
-- nobody reaches.
local function silent(beat, thr)
  if not beat then return true end
  if thr == '' then return false end
  return ticks_le(beat, thr)
end

-- One pattern match per entry: much cheaper in Lua 5.1 than splitting field by field.
local ENTRY = '^(%a)|(%-?%d+)|(%-?%d*)|(%d*)|([%a_]*)|(%d*)|(%-?%d*)$'

local function decode(raw)
  local st, view, re, gr, rt, ra, rep = s_match(raw, ENTRY)
  local read_epoch = nil
  if re ~= '' then read_epoch = to_num(re) end
  return { st = st, view = to_num(view), re = read_epoch, gr = gr, rt = rt, ra = ra, rep = rep }
end

local function new_entry()
  return { st = 'I', view = 0, re = nil, gr = '', rt = '', ra = '', rep = '' }
end

local function encode(e)
  local re = ''
  if e.re then re = fmt(e.re) end
  return e.st .. '|' .. fmt(e.view) .. '|' .. re .. '|' .. e.gr .. '|' .. e.rt .. '|' .. e.ra .. '|' .. e.rep
end

local function holds(e)
  return e.st == 'E' or e.st == 'M'
end

local function load_record(key)
  local r = r_call('HMGET', key, 'v', 't', 'e')
  if not r[1] then return nil end
  return { v = to_num(r[1]), tomb = r[2] == '1', e = to_num(r[3]), es = r[3] }
end

local function exists(rec)
  return rec.v > 0 and not rec.tomb
end

-- The holders in agent order (ordinal), and the same entries by agent.
local function load_holders(key)
  local flat = r_call('HGETALL', key)
  local list, by = {}, {}
  for i = 1, #flat, 2 do
    local h = { agent = flat[i], e = decode(flat[i + 1]) }
    list[#list + 1] = h
    by[h.agent] = h.e
  end
  if #list > 1 then
    t_sort(list, function(x, y) return ordinal_lt(x.agent, y.agent) end)
  end
  return list, by
end

-- The hot paths' view of the holders: each entry left encoded with its state letter beside it
-- (decoding costs far more than the few entries these paths change), in hash order, plus the
-- caller's own entry decoded (nil when it has none). Not sorted: ordinal_lt costs a C call per byte,
-- so the store sorts the peers it signals in C#; at most one holder has a grant, so nothing else on
-- these paths depends on the order.
local function load_peers(key, agent)
  local flat = r_call('HGETALL', key)
  local list, mine = {}, nil
  for i = 1, #flat, 2 do
    local raw = flat[i + 1]
    list[#list + 1] = { agent = flat[i], raw = raw, st = s_sub(raw, 1, 1) }
    if flat[i] == agent then mine = decode(raw) end
  end
  return list, mine
end

-- An encoded entry turned I with no grant, every other field as it was: the same text as
-- encode() of the decoded entry after st = 'I', gr = ''.
local INVALIDATE = '^.(|[^|]*|[^|]*|)[^|]*(|.*)$'
local function invalidated(raw)
  local mid, tail = s_match(raw, INVALIDATE)
  return 'I' .. mid .. tail
end

-- HSET key f1 v1 f2 v2 ..., in bounded chunks (unpack is limited by the Lua C stack).
local function hset_pairs(key, flat)
  if #flat == 0 then return end
  if #flat <= 800 then
    r_call('HSET', key, t_unpack(flat))
    return
  end
  local i = 1
  while i <= #flat do
    local last = i + 799
    if last > #flat then last = #flat end
    r_call('HSET', key, t_unpack(flat, i, last))
    i = last + 1
  end
end

-- A refusal as the store returns it; C# turns it into a Refusal. Absent values are ''.
local function refusal(code, cur, t)
  t = t or {}
  local re = ''
  if t.re then re = fmt(t.re) end
  local tomb = '0'
  if t.tomb then tomb = '1' end
  return { code, fmt(cur), t.caller or '', t.holder or '', t.since or '', re, fmt(t.oe or 0), t.rt or '', t.ra or '', t.rep or '', tomb }
end

-- list as load_peers returns it.
local function held_by_other(list, agent, rec)
  for _, h in ipairs(list) do
    if h.agent ~= agent and (h.st == 'E' or h.st == 'M') then
      return refusal(HELD_BY_OTHER, rec.v, { holder = h.agent, since = decode(h.raw).gr, oe = rec.e })
    end
  end
  return nil
end

local function stale_epoch(rec, e)
  return refusal(STALE_EPOCH, rec.v, { re = e.re, oe = rec.e, rt = e.rt, ra = e.ra, rep = e.rep })
end

-- The CommitCas checks, in order. Returns the refusal, or nil plus the holders and the caller's
-- entry as load_peers returns them.
local function check_cas(known, rec, holders_key, agent, expected_s)
  if not known then return refusal(UNKNOWN_AGENT, 0) end
  local v = 0
  if rec then v = rec.v end
  local expected = to_num(expected_s)
  if expected > v or expected < 0 then return refusal(AHEAD, v, { caller = expected_s }) end
  if not rec then return nil, {}, nil end
  if expected < v then return refusal(VERSION_CONFLICT, v, { caller = expected_s, oe = rec.e }) end
  local list, entry = load_peers(holders_key, agent)
  local held = held_by_other(list, agent, rec)
  if held then return held end
  if entry and entry.re and entry.re < rec.e then return stale_epoch(rec, entry) end
  return nil, list, entry
end

-- A successful commit (content) or delete (content == nil): version + 1, the committer keeps its
-- grant as M when keep is true and it holds one (else S), every non-I peer becomes I. Returns the
-- peers to signal, in list order. list as load_peers returns it; rec.vs and rec.es are set to the
-- new version's and the owner epoch's text.
local function apply(rec_key, holders_key, rec, list, agent, entry, content, now, keep)
  rec.v = rec.v + 1
  local vs, es = fmt(rec.v), rec.es or fmt(rec.e)
  rec.vs, rec.es = vs, es
  if content then
    r_call('HSET', rec_key, 'v', vs, 't', '0', 'e', es, 'c', content.bytes, 'h', content.hash, 's', content.size, 'w', agent, 'at', now)
  else
    r_call('HSET', rec_key, 'v', vs, 't', '1', 'e', es, 's', '0', 'w', agent, 'at', now)
    r_call('HDEL', rec_key, 'c', 'h')
  end

  if keep and holds(entry) then
    entry.st = 'M'
  else
    entry.st = 'S'
    entry.gr = ''
  end
  entry.view = rec.v

  local updates = { agent, encode(entry) }
  local signals = {}
  for _, h in ipairs(list) do
    if h.st ~= 'I' and h.agent ~= agent then
      updates[#updates + 1] = h.agent
      updates[#updates + 1] = invalidated(h.raw)
      signals[#signals + 1] = h.agent
    end
  end
  hset_pairs(holders_key, updates)
  return signals
end


-- Exactly-once writes: CoherenceRules looks the operation up before any other check (even before
-- UnknownAgent) and records a success in the same step; so do the write scripts, with the agent's
-- operation log, one hash per agent: '#' -> n, how many operations were recorded since the log was
-- last dropped (Forget), and operation id -> seq .. '\n' .. result, seq being the operation's number
-- (1..n). An entry counts only while it is among the last KEPT (seq > n - KEPT): exactly the window of
-- OperationLog.KeptPerAgent. Entries that fell out of it are deleted KEPT at a time, when n reaches a
-- multiple of KEPT, so the hash holds at most 2 * KEPT entries and a write costs one HMGET (lookup)
-- and, on success, one HSET (record), plus an HGETALL and an HDEL every KEPT-th success.
local KEPT = 64

-- The recorded text of the agent's operation op (what its success returned), or nil; and n. The
-- operation id '' is none: nothing is looked up or recorded.
local function op_find(ops_key, op)
  if op == '' then return nil, 0 end
  local r = r_call('HMGET', ops_key, op, '#')
  local n = 0
  if r[2] then n = to_num(r[2]) end
  local done = r[1]
  if done and to_num(s_match(done, '^%d+')) > n - KEPT then return done, n end
  return nil, n
end

-- Records a success as operation number n + 1 and returns the text the script replies with, which
-- is also what a retry gets back: seq (0 when op is '') .. '\n' .. body. Called last, after every
-- check and change: nothing in a write script can fail once it has written.
local function op_record(ops_key, op, n, body)
  if op == '' then return '0\n' .. body end
  local seq = n + 1
  local text = fmt(seq) .. '\n' .. body
  r_call('HSET', ops_key, op, text, '#', fmt(seq))
  if seq % KEPT == 0 and seq > KEPT then
    local flat, gone, floor = r_call('HGETALL', ops_key), {}, seq - KEPT
    for i = 1, #flat, 2 do
      if flat[i] ~= '#' and to_num(s_match(flat[i + 1], '^%d+')) <= floor then gone[#gone + 1] = flat[i] end
    end
    if #gone > 0 then r_call('HDEL', ops_key, t_unpack(gone)) end
  end
  return text
end

-- The body of a success (C# Replies.Recorded reads it): the versions, comma-separated, then for each
-- artifact whose peers are signalled one line of storeKey, kind ('c' commit, 'd' delete), version,
-- owner epoch and the peers, tab-separated (keys and agent ids hold no control characters).
local function signal_line(sk, kind, vs, es, peers)
  if #peers == 0 then return '' end
  return '\n' .. sk .. '\t' .. kind .. '\t' .. vs .. '\t' .. es .. '\t' .. t_concat(peers, '\t')
end
