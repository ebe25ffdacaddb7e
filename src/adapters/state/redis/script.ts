// The one Lua script the store runs. It takes a JSON plan: increments of one batch (applied
// only when the batch's sequence number is newer than the last one this process applied,
// so a batch retried after a lost reply is not counted twice), TTLs for the keys it touched,
// and reads (HMGET of named fields or HGETALL of whole buckets), all in one atomic step.
//
// ARGV[1] = { p = process key, s = batch sequence, i = [[key, field, delta]], e = [[key, ttl]],
//             g = [[key, fields | 0]] }
// Returns cjson of the reads, in order (HMGET: values or false; HGETALL: [field, value, ...]).

export const STATE_SCRIPT = `
local a = cjson.decode(ARGV[1])
local applied = 0
if a.i and #a.i > 0 then
  local last = tonumber(redis.call('GET', a.p) or '0')
  if a.s > last then
    for _, x in ipairs(a.i) do redis.call('HINCRBYFLOAT', x[1], x[2], x[3]) end
    for _, x in ipairs(a.e) do redis.call('EXPIRE', x[1], x[2]) end
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
return cjson.encode({ applied, out })
`;
