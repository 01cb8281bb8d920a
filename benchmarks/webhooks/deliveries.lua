-- wrk script of the webhook benchmark (run.py): posts pre-signed deliveries, each exactly once, and reports.
--
--   wrk -t N -c N -d <ceiling> -s deliveries.lua <url> -- <deliveries file> <N>
--
-- The deliveries file holds three lines per delivery: "1" (first send of its event) or "0" (a duplicate), the
-- Stripe-Signature header, the body. Thread i of N (one connection at a time; wrk reconnects when the server
-- closes it) sends deliveries i, i+N, i+2N, ... in order, so the N threads are N concurrent senders over one
-- shared sequence, like a pool of N threads; the requests are formatted before the clock starts, so the load
-- generator only writes bytes and parses answers. wrk's latency of a request runs from its first byte written
-- to the last byte of the answer (a new connection's handshake is not in it; it is in the wall time).
-- A thread stops after its last answer and prints "eyt-thread-done"; run.py then interrupts wrk (whose main
-- thread sleeps for -d whatever happens), and done() prints one JSON line: latency percentiles from wrk's own
-- histogram, the wall time from the first request sent to the last answer received, and per delivery kind
-- (first/duplicate) the answers, non-2xx answers and the sums of the server's X-Bench-* count headers.

local ffi = require("ffi")
ffi.cdef([[
typedef struct { long tv_sec; long tv_nsec; } eyt_bench_timespec;
int clock_gettime(int clock_id, eyt_bench_timespec *tp);
]])
local CLOCK_MONOTONIC = 1
local timespec = ffi.new("eyt_bench_timespec")

local function now_us()
  ffi.C.clock_gettime(CLOCK_MONOTONIC, timespec)
  return tonumber(timespec.tv_sec) * 1000000 + tonumber(timespec.tv_nsec) / 1000
end

local threads = {}
local created = 0

function setup(thread)
  thread:set("index", created)
  created = created + 1
  table.insert(threads, thread)
end

local KINDS = { "first", "duplicate" }
local COUNTS = { "answers", "non_2xx", "queries", "stripe_requests", "uncounted" }

-- Per thread. Globals of the thread's Lua state are what done() can read (thread:get): started, finished and
-- counts, a flat table ("first_queries" = ...; wrk 4.1 crashes copying nested tables between states).
local requests, kinds = {}, {}
local total, answered = 0, 0
started, finished = 0, 0
counts = {}

function init(args)
  local path, stride = args[1], tonumber(args[2])
  local headers = { ["Content-Type"] = "application/json" }
  local file = assert(io.open(path, "rb"))
  local position = 0
  while true do
    local flag = file:read("*l")
    if flag == nil then
      break
    end
    local header, body = file:read("*l"), file:read("*l")
    if position % stride == index then
      total = total + 1
      headers["Stripe-Signature"] = header
      requests[total] = wrk.format("POST", nil, headers, body)
      kinds[total] = flag == "1" and "first_" or "duplicate_"
    end
    position = position + 1
  end
  file:close()
  for _, kind in ipairs(KINDS) do
    for _, name in ipairs(COUNTS) do
      counts[kind .. "_" .. name] = 0
    end
  end
end

local function add(name, value)
  counts[name] = counts[name] + value
end

-- One connection per thread and no pipelining: the request to send is always the one after the last answered.
-- wrk also calls request() once before the run (thread 0, to look for pipelining): hence no counter here, and
-- started is set again until the first answer (on a reconnect the unanswered delivery is sent again).
function request()
  if answered == 0 then
    started = now_us()
  end
  return requests[math.min(answered + 1, total)]
end

function response(status, headers, body)
  answered = answered + 1
  local kind = kinds[answered]
  if kind ~= nil then
    add(kind .. "answers", 1)
    if status < 200 or status > 299 then
      add(kind .. "non_2xx", 1)
    end
    local queries, stripe_requests
    for name, value in pairs(headers) do
      local lower = string.lower(name)
      if lower == "x-bench-queries" then
        queries = tonumber(value)
      elseif lower == "x-bench-stripe-requests" then
        stripe_requests = tonumber(value)
      end
    end
    if queries == nil or stripe_requests == nil then
      add(kind .. "uncounted", 1)
    else
      add(kind .. "queries", queries)
      add(kind .. "stripe_requests", stripe_requests)
    end
  end
  if answered == total then
    finished = now_us()
    io.write("eyt-thread-done\n")
    io.flush()
    wrk.thread:stop()
  end
end

function done(summary, latency, requests_stats)
  local first, last = nil, nil
  local sums = {}
  for _, thread in ipairs(threads) do
    local thread_started, thread_finished = thread:get("started"), thread:get("finished")
    if thread_started > 0 and (first == nil or thread_started < first) then
      first = thread_started
    end
    if thread_finished > 0 and (last == nil or thread_finished > last) then
      last = thread_finished
    end
    for name, value in pairs(thread:get("counts")) do
      sums[name] = (sums[name] or 0) + value
    end
  end
  local function object(kind)
    local fields = {}
    for _, name in ipairs(COUNTS) do
      table.insert(fields, string.format('"%s": %d', name, sums[kind .. "_" .. name] or 0))
    end
    return "{" .. table.concat(fields, ", ") .. "}"
  end
  local errors = summary.errors
  io.write(
    string.format(
      'eyt-result {"requests": %d, "wall_us": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d, '
        .. '"errors": {"connect": %d, "read": %d, "write": %d, "timeout": %d}, "first": %s, "duplicate": %s}\n',
      summary.requests,
      (last or 0) - (first or 0),
      latency:percentile(50),
      latency:percentile(90),
      latency:percentile(99),
      latency.max,
      errors.connect,
      errors.read,
      errors.write,
      errors.timeout,
      object("first"),
      object("duplicate")
    )
  )
end
