/**
 * The one script a round runs (per window hash, every deployment at once): adds the requests and tokens an
 * instance took since its last round, and for a deployment with rpm replaces the allowance the instance
 * reports holding with a fair share of what is left:
 *
 *   c  = Σ requests taken + Σ allowances held         (field c:<deployment>, never above rpm by grants)
 *   fair = ⌊(rpm − c + have) / (2n − 1)⌋, or 1 when that is 0 but something is left
 *   the instance now holds `fair` (c moves by fair − have)
 *
 * 2n − 1 parts, not n: the others keep spending theirs until their own rounds, so a share of R / n would leave
 * the last to ask with nothing; with every instance holding R / (2n − 1), each top-up finds its share again.
 * The grant never exceeds what is left (fair − have ≤ rpm − c), so the allowances and takes never sum past rpm.
 * Returns, per deployment, the window's requests, its tokens and the allowance now held (−1 without rpm).
 */
export const LEASE_SCRIPT = `
local n = tonumber(ARGV[1])
local inst = ARGV[2]
local out = {}
for i = 3, #ARGV, 5 do
  local id = ARGV[i]
  local used = tonumber(ARGV[i + 1])
  local have = tonumber(ARGV[i + 2])
  local limit = tonumber(ARGV[i + 4])
  local r = redis.call('HINCRBY', KEYS[1], 'r:' .. id, used)
  local t = redis.call('HINCRBY', KEYS[1], 't:' .. id, tonumber(ARGV[i + 3]))
  local held = -1
  if limit >= 0 then
    local field = 'o:' .. id .. ':' .. inst
    local prev = tonumber(redis.call('HGET', KEYS[1], field) or '0')
    local c = redis.call('HINCRBY', KEYS[1], 'c:' .. id, used + have - prev)
    local left = limit - c + have
    held = math.floor(left / (2 * n - 1))
    if held <= 0 then held = left > 0 and 1 or 0 end
    redis.call('HINCRBY', KEYS[1], 'c:' .. id, held - have)
    redis.call('HSET', KEYS[1], field, held)
  end
  out[#out + 1] = r
  out[#out + 1] = t
  out[#out + 1] = held
end
redis.call('PEXPIRE', KEYS[1], 120000)
return out
`;
