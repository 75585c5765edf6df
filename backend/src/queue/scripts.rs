//! The Lua scripts that make each queue transition atomic. Every script reads Redis's own clock (`TIME`), so
//! workers with skewed clocks agree on when a delayed job is due.
//!
//! Keys are passed explicitly. Streams hold entries with one field, `job`, whose value is the JSON envelope.

/// Milliseconds since the epoch by Redis's clock.
const NOW: &str = r#"
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
"#;

fn with_now(body: &str) -> String {
    format!("{NOW}\n{body}")
}

/// Enqueue. KEYS: stream, delayed zset, idempotency key, subject key.
/// ARGV: envelope, delay ms, idempotency ttl ms, job id, use idempotency (0/1), only if the subject has no live
/// job (0/1), mark the subject live (0/1).
/// Returns `{1, id}` for a new job, `{0, existing id}` when the key or the live subject already names one.
pub fn enqueue() -> String {
    with_now(
        r#"
if ARGV[5] == '1' then
  local existing = redis.call('GET', KEYS[3])
  if existing then return {0, existing} end
end
if ARGV[6] == '1' then
  local live = redis.call('GET', KEYS[4])
  if live then return {0, live} end
end
if ARGV[5] == '1' then redis.call('SET', KEYS[3], ARGV[4], 'PX', ARGV[3]) end
if ARGV[7] == '1' then redis.call('SET', KEYS[4], ARGV[4]) end
local delay = tonumber(ARGV[2])
if delay > 0 then
  redis.call('ZADD', KEYS[2], now_ms() + delay, ARGV[1])
else
  redis.call('XADD', KEYS[1], '*', 'job', ARGV[1])
end
return {1, ARGV[4]}
"#,
    )
}

/// Success. KEYS: stream, subject key (or a placeholder). ARGV: group, entry id, job id.
/// The subject's live marker is removed only if it still names this job (a follow-up job may have taken it).
pub const ACK: &str = r#"
redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
redis.call('XDEL', KEYS[1], ARGV[2])
if redis.call('GET', KEYS[2]) == ARGV[3] then redis.call('DEL', KEYS[2]) end
return 1
"#;

/// A failed attempt that will be retried. KEYS: stream, delayed zset. ARGV: group, entry id, next envelope, delay ms.
pub fn retry() -> String {
    with_now(
        r#"
redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
redis.call('XDEL', KEYS[1], ARGV[2])
redis.call('ZADD', KEYS[2], now_ms() + tonumber(ARGV[4]), ARGV[3])
return 1
"#,
    )
}

/// The last attempt failed. KEYS: stream, dead-letter list, subject key. ARGV: group, entry id, dead-letter record,
/// job id, how many dead letters to keep.
pub const DEAD: &str = r#"
redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
redis.call('XDEL', KEYS[1], ARGV[2])
redis.call('LPUSH', KEYS[2], ARGV[3])
redis.call('LTRIM', KEYS[2], 0, tonumber(ARGV[5]) - 1)
if redis.call('GET', KEYS[3]) == ARGV[4] then redis.call('DEL', KEYS[3]) end
return 1
"#;

/// An operator retries a dead job. KEYS: dead-letter list, stream, subject key. ARGV: the dead letter as stored,
/// the envelope to run (from attempt 1), the job id, mark the subject live (0/1).
/// Returns 1 when the dead letter was taken out and the job queued, 0 when it was no longer there.
pub const REVIVE: &str = r#"
if redis.call('LREM', KEYS[1], 1, ARGV[1]) == 0 then return 0 end
redis.call('XADD', KEYS[2], '*', 'job', ARGV[2])
if ARGV[4] == '1' then redis.call('SET', KEYS[3], ARGV[3]) end
return 1
"#;

/// Give an unfinished job back to the queue at once (shutdown). KEYS: stream. ARGV: group, entry id, envelope.
pub const HAND_BACK: &str = r#"
redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
redis.call('XDEL', KEYS[1], ARGV[2])
redis.call('XADD', KEYS[1], '*', 'job', ARGV[3])
return 1
"#;

/// Move due delayed jobs to their priority's stream. KEYS: delayed zset, stream p1, p2, p3. ARGV: batch size.
/// Returns how many moved.
pub fn promote() -> String {
    with_now(
        r#"
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now_ms(), 'LIMIT', 0, tonumber(ARGV[1]))
for _, job in ipairs(due) do
  local ok, env = pcall(cjson.decode, job)
  local p = 2
  if ok and type(env) == 'table' and tonumber(env['priority']) then p = tonumber(env['priority']) end
  if p < 1 or p > 3 then p = 2 end
  redis.call('XADD', KEYS[1 + p], '*', 'job', job)
  redis.call('ZREM', KEYS[1], job)
end
return #due
"#,
    )
}

/// Claim entries idle longer than the visibility timeout. KEYS: stream. ARGV: group, consumer, min idle ms, count.
/// Returns a list of `{entry id, envelope, delivery count}`.
pub const RECLAIM: &str = r#"
local r = redis.call('XAUTOCLAIM', KEYS[1], ARGV[1], ARGV[2], ARGV[3], '0-0', 'COUNT', tonumber(ARGV[4]))
local out = {}
for _, e in ipairs(r[2]) do
  local id = e[1]
  local fields = e[2]
  local job = ''
  if type(fields) == 'table' then
    for i = 1, #fields, 2 do
      if fields[i] == 'job' then job = fields[i + 1] end
    end
  end
  local p = redis.call('XPENDING', KEYS[1], ARGV[1], id, id, 1)
  local n = 1
  if p[1] then n = tonumber(p[1][4]) end
  table.insert(out, {id, job, n})
end
return out
"#;

/// Counts for metrics. KEYS: stream p1, p2, p3, delayed zset, dead list. ARGV: group.
/// Returns `{waiting, running, delayed, dead, age of the oldest waiting job in ms or -1}`.
pub fn stats() -> String {
    with_now(
        r#"
local waiting, running, oldest = 0, 0, -1
for i = 1, 3 do
  if redis.call('EXISTS', KEYS[i]) == 1 then
    local len = redis.call('XLEN', KEYS[i])
    local last = nil
    local ok, groups = pcall(redis.call, 'XINFO', 'GROUPS', KEYS[i])
    local pending = 0
    if ok then
      for _, g in ipairs(groups) do
        local name, lid, pend = nil, nil, 0
        for j = 1, #g, 2 do
          if g[j] == 'name' then name = g[j + 1] end
          if g[j] == 'last-delivered-id' then lid = g[j + 1] end
          if g[j] == 'pending' then pend = g[j + 1] end
        end
        if name == ARGV[1] then last = lid; pending = pend end
      end
    end
    running = running + pending
    waiting = waiting + len - pending
    local first
    if last then
      first = redis.call('XRANGE', KEYS[i], '(' .. last, '+', 'COUNT', 1)
    else
      first = redis.call('XRANGE', KEYS[i], '-', '+', 'COUNT', 1)
    end
    if first[1] then
      local ms = tonumber(string.match(first[1][1], '^(%d+)'))
      if oldest < 0 or ms < oldest then oldest = ms end
    end
  end
end
local age = -1
if oldest >= 0 then age = math.max(0, now_ms() - oldest) end
return {waiting, running, redis.call('ZCARD', KEYS[4]), redis.call('LLEN', KEYS[5]), age}
"#,
    )
}
