-- CoherenceRules.Sweep, the reclaims, for one batch of artifacts: for every grant holder, reclaim on
-- heartbeat silence, else on max hold (holder -> I, owner epoch + 1, reclaim recorded). The store
-- lists the granted set, sorts it ordinally and sends it in batches of at most MaxArtifactsPerScript
-- artifacts, so the reclaims come in the rules' order (records by store key, holders by agent id)
-- and no call runs long. Pruning is a separate pass (prune.lua) that starts after every batch of
-- this one: the rules' "reclaim, then prune" holds for every artifact.
-- Why a batch at a time is enough: the protocol asks the sweep to be atomic per artifact (a reclaim
-- changes one artifact's record and holders and nothing else), and each batch is atomic for all its
-- artifacts. An operation that runs between two batches sees every artifact either before or after
-- its reclaim, as it would between two sweeps; the fence (owner epoch) only ever moves up, inside
-- the same step that turns the holder I. Running it twice, or from two hosts at once, reclaims a
-- grant once: the second visit finds no holder.
-- KEYS: agents, granted, then per artifact: rec, holders
-- ARGV: now ('' for the server's clock), heartbeat timeout and max hold as (seconds, ticks) pairs
--   (see threshold), then the artifacts' store keys
-- Returns { now, reclaimed as (storeKey, agent, trigger, epoch, version) groups }
local now = clock(ARGV[1])
local hb_thr, mh_thr = threshold(now, ARGV[2], ARGV[3]), threshold(now, ARGV[4], ARGV[5])
local n = (#KEYS - 2) / 2

local beats = {}
local function beat_of(agent)
  local b = beats[agent]
  if b == nil then
    b = r_call('HGET', KEYS[1], agent) or false
    beats[agent] = b
  end
  return b
end

local reclaimed = {}
for i = 1, n do
  local sk, rec_key, holders_key = ARGV[5 + i], KEYS[1 + 2 * i], KEYS[2 + 2 * i]
  local rec = load_record(rec_key)
  local still_granted = false
  if rec then
    -- Only a grant holder can be reclaimed, and there is at most one (SingleWriter): look at the
    -- state letters, decode the holders, and sort them only when there is more than one.
    local flat = r_call('HGETALL', holders_key)
    local grants = {}
    for j = 1, #flat, 2 do
      local st = s_sub(flat[j + 1], 1, 1)
      if st == 'E' or st == 'M' then grants[#grants + 1] = { agent = flat[j], e = decode(flat[j + 1]) } end
    end
    if #grants > 1 then
      t_sort(grants, function(x, y) return ordinal_lt(x.agent, y.agent) end)
    end

    local epoch_before, updates = rec.e, {}
    for _, h in ipairs(grants) do
      local trigger = nil
      if silent(beat_of(h.agent), hb_thr) then
        trigger = 'heartbeat'
      elseif h.e.gr ~= '' and mh_thr ~= '' and ticks_le(h.e.gr, mh_thr) then
        trigger = 'max_hold'
      end
      if trigger then
        rec.e = rec.e + 1
        h.e.st = 'I'
        h.e.gr = ''
        h.e.rt = trigger
        h.e.ra = now
        h.e.rep = fmt(rec.e)
        updates[#updates + 1] = h.agent
        updates[#updates + 1] = encode(h.e)
        local group = { sk, h.agent, trigger, fmt(rec.e), fmt(rec.v) }
        for k = 1, 5 do reclaimed[#reclaimed + 1] = group[k] end
      else
        still_granted = true
      end
    end

    if rec.e ~= epoch_before then r_call('HSET', rec_key, 'e', fmt(rec.e)) end
    hset_pairs(holders_key, updates)
  end
  if not still_granted then r_call('SREM', KEYS[2], sk) end
end

return { now, reclaimed }
