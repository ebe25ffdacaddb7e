// The Lua scripts the store runs.
//
// STATE_SCRIPT takes a JSON plan: increments of one batch and the reservations it releases
// (applied only when the batch's sequence number is newer than the last one this process
// applied, so a batch retried after a lost reply is not counted twice), TTLs for the keys it
// touched, and reads (HMGET of named fields or HGETALL of whole hashes), all in one atomic step.
// An increment that is not a finite non-negative number fails the whole batch before anything
// is written; an increment Redis refuses (the field holds something that is not a number,
// written by something else) is skipped and reported, so the rest of the batch is applied once.
//
// ARGV[1] = { p = process key, s = batch sequence, i = [[key, field, delta]], e = [[key, ttl]],
//             r = [[hold hash, field]], g = [[key, fields | 0]] }
// Returns cjson of { applied, reads, refused increments } (reads in order: HMGET values or
// false; HGETALL [field, value, ...]).

export const STATE_SCRIPT = `
local a = cjson.decode(ARGV[1])
local function bad(x) return x == nil or x ~= x or x < 0 or x == math.huge end
local applied = 0
local refused = {}
if (a.i and #a.i > 0) or (a.r and #a.r > 0) then
  local last = tonumber(redis.call('GET', a.p) or '0')
  if a.s > last then
    for _, x in ipairs(a.i) do
      if bad(tonumber(x[3])) then return redis.error_reply('invalid increment ' .. tostring(x[3]) .. ' of ' .. x[1]) end
    end
    for _, x in ipairs(a.i) do
      local r = redis.pcall('HINCRBYFLOAT', x[1], x[2], x[3])
      if type(r) == 'table' and r.err then refused[#refused + 1] = x[1] .. ' ' .. x[2] end
    end
    for _, x in ipairs(a.e) do redis.call('EXPIRE', x[1], x[2]) end
    if a.r then for _, x in ipairs(a.r) do redis.call('HDEL', x[1], x[2]) end end
    redis.call('SET', a.p, a.s, 'EX', 86400)
    applied = 1
  else
    applied = 2
  end
end
local out = {}
if a.g then
  for n, x in ipairs(a.g) do
    if x[2] == 0 then
      out[n] = redis.call('HGETALL', x[1])
    else
      out[n] = redis.call('HMGET', x[1], unpack(x[2]))
    end
  end
end
return cjson.encode({ applied, out, refused })
`;

// ATOMIC_SCRIPT: consume and reserve. Checks every limit against what Redis holds, and only
// when all fit writes: the increments (consume) or the holds (reserve).
//
// A limit fits when  window usage + the caller's usage not yet flushed + open holds on the key
// + the amount  <=  limit.  Window usage is summed from the bucket hashes the caller names with
// the bucket-index range of the window at each resolution; open holds are the entries of the
// key's hold hash (field `<reservation id>:<metric>`, value `<metric>:<amount>:<expires at>`)
// whose expiry (engine time) is after `n`; expired entries are deleted on the way. A bucket or
// hold that does not read as usage fails closed (status 2), like a decision would.
//
// ARGV[1] = { n = now, id = reservation id or '', t = hold hash TTL ms,
//             h = [[hold hash, metric, amount, hold value]]   what this call adds, per key and metric
//             c = [[h index, limit, unsent, [[bucket hash, metric code, lo, hi], ...]]]   the limits
//             i = [[key, field, delta]], e = [[key, ttl]] }   consume: the increments
// Returns cjson of { status, check }: 1 done, 0 refused by limit `check`, 2 state of `check` corrupt.

export const ATOMIC_SCRIPT = `
local a = cjson.decode(ARGV[1])
local function bad(x) return x == nil or x ~= x or x < 0 or x == math.huge end
local held = {}
local function holdsOf(k)
  if held[k] then return held[k] end
  local s = { 0, 0, 0 }
  local all = redis.call('HGETALL', k)
  for j = 1, #all, 2 do
    local m, amt, exp = string.match(all[j + 1], '^(%d):([^:]+):([^:]+)$')
    m = tonumber(m)
    amt = tonumber(amt)
    exp = tonumber(exp)
    if m == nil or m > 2 or bad(amt) or exp == nil or exp ~= exp then return nil end
    if exp <= a.n then redis.call('HDEL', k, all[j]) else s[m + 1] = s[m + 1] + amt end
  end
  held[k] = s
  return s
end
local function window(ranges)
  local sum = 0
  for _, r in ipairs(ranges) do
    local all = redis.call('HGETALL', r[1])
    for j = 1, #all, 2 do
      local f = all[j]
      if string.sub(f, -1) == r[2] then
        local b = tonumber(string.sub(f, 1, -2))
        if b and b >= r[3] and b < r[4] then
          local v = tonumber(all[j + 1])
          if bad(v) then return nil end
          sum = sum + v
        end
      end
    end
  end
  return sum
end
for n, c in ipairs(a.c) do
  local h = a.h[c[1]]
  local s = holdsOf(h[1])
  if s == nil then return cjson.encode({ 2, n }) end
  local used = window(c[4])
  if used == nil then return cjson.encode({ 2, n }) end
  if used + c[3] + s[h[2] + 1] + h[3] > c[2] then return cjson.encode({ 0, n }) end
end
if a.id ~= '' then
  for _, h in ipairs(a.h) do
    redis.call('HSET', h[1], a.id .. ':' .. h[2], h[4])
    if redis.call('PTTL', h[1]) < a.t then redis.call('PEXPIRE', h[1], a.t) end
  end
else
  for _, x in ipairs(a.i) do redis.pcall('HINCRBYFLOAT', x[1], x[2], x[3]) end
  for _, x in ipairs(a.e) do redis.call('EXPIRE', x[1], x[2]) end
end
return cjson.encode({ 1, 0 })
`;
