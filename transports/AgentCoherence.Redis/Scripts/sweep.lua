-- CoherenceRules.Sweep: for every grant holder, reclaim on heartbeat silence, else on max hold
-- (holder -> I, owner epoch + 1, reclaim recorded); then drop the S/I entries of long-silent agents
-- unless they fence a zombie. Records in store key order, holders in agent order (ordinal).
-- Only records that can change are visited: those in the granted set, and (when pruning) those the
-- silent agents touched.
-- KEYS: agents, granted
-- ARGV: keyPrefix, now ('' for the server's clock), heartbeat timeout, max hold (each as (seconds, ticks),
--   see threshold), prune ('1'/'0'), prune limit (seconds, ticks)
-- Returns { now, reclaimed as (storeKey, agent, trigger, epoch, version) groups, pruned count }
local prefix, now, prune = ARGV[1], clock(ARGV[2]), ARGV[7] == '1'
local hb_thr, mh_thr, prune_thr = threshold(now, ARGV[3], ARGV[4]), threshold(now, ARGV[5], ARGV[6]), ''
if prune then prune_thr = threshold(now, ARGV[8], ARGV[9]) end

local beats, all_beats = {}, false
local function beat_of(agent)
  local b = beats[agent]
  if b == nil and not all_beats then
    b = r_call('HGET', KEYS[1], agent)
    beats[agent] = b
  end
  return b or false
end

local candidates, seen = {}, {}
local function add(sk)
  if not seen[sk] then
    seen[sk] = true
    candidates[#candidates + 1] = sk
  end
end

for _, sk in ipairs(r_call('SMEMBERS', KEYS[2])) do add(sk) end
if prune then
  local flat = r_call('HGETALL', KEYS[1])
  for i = 1, #flat, 2 do beats[flat[i]] = flat[i + 1] end
  all_beats = true
  for i = 1, #flat, 2 do
    if silent(flat[i + 1], prune_thr) then
      for _, sk in ipairs(r_call('SMEMBERS', prefix .. 'touched:' .. flat[i])) do add(sk) end
    end
  end
end
t_sort(candidates, ordinal_lt)

local reclaimed, pruned = {}, 0
for _, sk in ipairs(candidates) do
  local rec_key, holders_key = prefix .. '{' .. sk .. '}:rec', prefix .. '{' .. sk .. '}:holders'
  local rec = load_record(rec_key)
  local still_granted = false
  if rec then
    local list = load_holders(holders_key)
    local epoch_before = rec.e
    local updates, drops = {}, {}
    for _, h in ipairs(list) do
      if holds(h.e) then
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
          for _, x in ipairs({ sk, h.agent, trigger, fmt(rec.e), fmt(rec.v) }) do reclaimed[#reclaimed + 1] = x end
        else
          still_granted = true
        end
      end
    end

    -- After the reclaims, as in the rules: an entry whose read epoch is behind the owner epoch
    -- fences its agent and is never dropped.
    if prune then
      for _, h in ipairs(list) do
        if not holds(h.e) and silent(beat_of(h.agent), prune_thr) and not (h.e.re and h.e.re < rec.e) then
          drops[#drops + 1] = h.agent
        end
      end
    end

    if rec.e ~= epoch_before then r_call('HSET', rec_key, 'e', fmt(rec.e)) end
    hset_pairs(holders_key, updates)
    for _, agent in ipairs(drops) do
      r_call('HDEL', holders_key, agent)
      r_call('SREM', prefix .. 'touched:' .. agent, sk)
    end
    pruned = pruned + #drops
  end
  if not still_granted then r_call('SREM', KEYS[2], sk) end
end

return { now, reclaimed, pruned }
