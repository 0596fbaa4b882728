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
  return delay_ms
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
