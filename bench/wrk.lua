-- wrk script for the Living Well benchmark.
--
-- Read from the environment (bench/run.py sets them for each page):
--   BENCH_METHOD  GET (default) or POST
--   BENCH_COOKIE  the Cookie header: the session and the CSRF cookie of a signed-in user
--   BENCH_CSRF    the CSRF token, sent as X-CSRFToken
--   BENCH_BODY    for a POST, the urlencoded form; every "{uuid}" in it becomes a fresh UUID per
--                 request, so a double-submit key is never reused
--   BENCH_EXPECT  the status every response must have (200 for pages, 302 for a saved form);
--                 any other status counts as an error
--
-- done() prints one line, "BENCH_JSON {...}", with the throughput, the latency percentiles and
-- every kind of error, for bench/run.py to read.

local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", counter)
  table.insert(threads, thread)
  counter = counter + 1
end

local method, body_template, expect, plain_request
local sent = 0
unexpected = 0
first_unexpected = 0

local function uuid4()
  sent = sent + 1
  -- 122 random bits, with this thread's id and a counter mixed into the last group so that two
  -- threads seeded in the same second still never collide.
  local tail = string.format("%04x%08x", (id * 4099 + math.random(0, 4095)) % 65536, sent % 4294967296)
  return string.format(
    "%08x-%04x-4%03x-%04x-%s",
    math.random(0, 4294967295),
    math.random(0, 65535),
    math.random(0, 4095),
    32768 + math.random(0, 16383),
    tail
  )
end

function init(args)
  math.randomseed(os.time() * 1000 + id * 7919 + math.floor(os.clock() * 1000000))
  method = os.getenv("BENCH_METHOD") or "GET"
  body_template = os.getenv("BENCH_BODY") or ""
  expect = tonumber(os.getenv("BENCH_EXPECT") or "200")
  local cookie = os.getenv("BENCH_COOKIE") or ""
  local csrf = os.getenv("BENCH_CSRF") or ""
  if cookie ~= "" then wrk.headers["Cookie"] = cookie end
  if csrf ~= "" then wrk.headers["X-CSRFToken"] = csrf end
  if method == "POST" then
    wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
  else
    plain_request = wrk.format("GET")
  end
end

function request()
  if method == "POST" then
    local body = body_template:gsub("{uuid}", uuid4)
    return wrk.format("POST", nil, nil, body)
  end
  return plain_request
end

function response(status, headers, body)
  if status ~= expect then
    unexpected = unexpected + 1
    if first_unexpected == 0 then first_unexpected = status end
  end
end

function done(summary, latency, requests)
  local bad, first = 0, 0
  for _, thread in ipairs(threads) do
    bad = bad + (thread:get("unexpected") or 0)
    local f = thread:get("first_unexpected") or 0
    if first == 0 and f ~= 0 then first = f end
  end
  local e = summary.errors
  local seconds = summary.duration / 1e6
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "seconds": %.3f, "rps": %.2f, ' ..
    '"p50_ms": %.2f, "p90_ms": %.2f, "p95_ms": %.2f, "p99_ms": %.2f, "max_ms": %.2f, ' ..
    '"errors": {"connect": %d, "read": %d, "write": %d, "timeout": %d, "status": %d, ' ..
    '"unexpected": %d, "first_unexpected_status": %d}}\n',
    summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(95) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    e.connect, e.read, e.write, e.timeout, e.status, bad, first
  ))
end
