// Lua for wrk. Both print one machine-readable line from wrk's done() hook; the paced one also
// holds an offered rate, which plain wrk cannot.

const REPORT = `
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH-WRK {"requests":%d,"durationUs":%d,"connectErrors":%d,"readErrors":%d,' ..
    '"writeErrors":%d,"statusErrors":%d,"timeouts":%d,"p50Us":%.1f,"p99Us":%.1f,' ..
    '"maxUs":%.1f,"meanUs":%.1f}\\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99), latency.max, latency.mean))
end
`;

/** Reports only: wrk's fast path (no request() or response() hook) stays on. */
export const WRK_REPORT_LUA = REPORT;

/**
 * Holds the rate given as the script's first argument (\`wrk ... -s paced.lua URL -- 12000\`),
 * with one wrk thread. wrk calls delay() before each request a connection sends and waits
 * that many whole milliseconds. Each call takes the next slot of a constant-rate schedule
 * (one slot every 1000/rate ms, kept on CLOCK_MONOTONIC through LuaJIT's ffi) and waits until
 * it, rounded to the millisecond: with enough connections idle, requests leave at the
 * schedule's rate whatever the latency, up to a millisecond early or late, and a schedule
 * that falls behind catches up. Latency is still wrk's: from the moment the request is
 * written, with no coordinated-omission correction (wrk2 would add one).
 */
export const WRK_PACED_LUA = `
local ffi = require('ffi')
ffi.cdef[[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec_t;
int clock_gettime(int clk_id, bench_timespec_t *tp);
]]
local CLOCK_MONOTONIC = 1
local ts = ffi.new('bench_timespec_t')
local function now_ms()
  ffi.C.clock_gettime(CLOCK_MONOTONIC, ts)
  return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
end

local interval_ms = nil
local next_ms = nil

function init(args)
  local rate = tonumber(args[1])
  if rate == nil or rate <= 0 then error('paced.lua needs a rate in requests/s') end
  interval_ms = 1000 / rate
end

function delay()
  local now = now_ms()
  if next_ms == nil then next_ms = now end
  local slot = next_ms
  next_ms = next_ms + interval_ms
  local wait = slot - now
  if wait <= 0 then return 0 end
  return math.floor(wait + 0.5)
end
${REPORT}`;
