-- wrk script: POSTs the bodies in the file named by BODIES (one JSON body per line)
-- round-robin, with the hook headers; prints one JSON line of results at the end.
local bodies_file = os.getenv("BODIES")
local app_id = os.getenv("APP_ID") or ""
local app_key = os.getenv("APP_KEY") or ""
local hook_key = os.getenv("HOOK_KEY") or ""
local path = os.getenv("HOOK_PATH") or "/1.1/functions/_receiversOffline"
-- A pause before each request of a connection: a fixed offered rate instead of as fast
-- as the server answers (latency is measured without the pause).
local delay_ms = tonumber(os.getenv("DELAY_MS") or "0")

-- Or a fixed offered rate for the whole run (RATE requests/s, shared evenly by wrk's
-- threads): each request waits for its slot, whatever the answers' latency, as long as
-- the connections suffice (each carries one request at a time).
local rate = tonumber(os.getenv("RATE") or "0")
local threads = tonumber(os.getenv("THREADS") or "1")

local ffi = require("ffi")
ffi.cdef[[
  struct pc_timespec { long tv_sec; long tv_nsec; };
  int clock_gettime(int clock, struct pc_timespec *now);
]]
local timespec = ffi.new("struct pc_timespec")
local function now_ms()
  ffi.C.clock_gettime(1, timespec)  -- CLOCK_MONOTONIC
  return tonumber(timespec.tv_sec) * 1000 + tonumber(timespec.tv_nsec) / 1e6
end
local next_slot = nil

local requests = {}
local counter = 1

function init(args)
  if bodies_file == nil or bodies_file == "" then
    requests[1] = wrk.format("GET", wrk.path)
    return
  end
  local headers = {
    ["Content-Type"] = "application/json",
    ["X-LC-Id"] = app_id,
    ["X-LC-Key"] = app_key,
    ["X-LC-Hook-Key"] = hook_key,
  }
  for line in io.lines(bodies_file) do
    if #line > 0 then
      requests[#requests + 1] = wrk.format("POST", path, headers, line)
    end
  end
end

function delay()
  if rate <= 0 then return delay_ms end
  local now = now_ms()
  local interval = 1000 * threads / rate
  if next_slot == nil then next_slot = now end
  local slot = next_slot
  next_slot = next_slot + interval
  if slot <= now then return 0 end
  return math.floor(slot - now)
end

function request()
  local r = requests[counter]
  counter = counter + 1
  if counter > #requests then counter = 1 end
  return r
end

function done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  io.write(string.format(
    '{"requests":%d,"rps":%.1f,"p50":%.1f,"p99":%.1f,"p999":%.1f,"max":%.1f,"non2xx":%d,"socket_errors":%d}\n',
    summary.requests, summary.requests / seconds,
    latency:percentile(50), latency:percentile(99), latency:percentile(99.9), latency.max,
    summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
