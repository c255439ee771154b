-- Sends each prepared sign-up body once: thread t of T takes lines t, t+T, t+2T ...
--
-- wrk's own "requests in Ns" is the -d limit whatever happens (its main thread sleeps
-- that long), so it cannot give the rate of a fixed amount of work. Each thread
-- therefore notes, on the monotonic clock, when it sent its first sign-up and when the
-- last answer came, and stops once it has every answer; done() prints the window from
-- the first send to the last answer of any thread, and the number of 202s, for
-- bench/signup to divide.
local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
  int clock_gettime(int clock_id, bench_timespec *tp);
]]
local CLOCK_MONOTONIC = 1
local ts = ffi.new("bench_timespec")

local function now()
  ffi.C.clock_gettime(CLOCK_MONOTONIC, ts)
  return tonumber(ts.tv_sec) + tonumber(ts.tv_nsec) * 1e-9
end

local bodies = {}
local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("id", #threads)
end

function init(args)
  local count = 0
  for line in io.lines(os.getenv("BODIES")) do
    count = count + 1
    bodies[count] = line
  end
  nthreads = tonumber(os.getenv("THREADS"))
  next_index = id
  mine = 0  -- the bodies this thread sends: id, id + T, ...
  for i = id, count, nthreads do mine = mine + 1 end
  answered, accepted, first_sent, last_answer = 0, 0, 0, 0
end

-- A connection that finds the bodies used up waits (far beyond the run) instead of
-- sending anything else; the thread stops when the last answer is in.
function delay()
  if bodies[next_index] == nil then return 3600000 end
  return 0
end

-- delay() and request() are not one step: another connection may take the last body
-- in between. Such a connection sends a cheap GET instead, whose 200 is not counted.
-- So does each thread's first call: wrk calls request() once to check the script's
-- request, and sends nothing of what it returns.
function request()
  local body = bodies[next_index]
  if body == nil or not checked then
    checked = true
    return wrk.format("GET", "/healthz")
  end
  next_index = next_index + nthreads
  if first_sent == 0 then first_sent = now() end
  return wrk.format("POST", "/api/v1/public/subscriptions",
                    {["Content-Type"] = "application/json"}, body)
end

function response(status, headers, body)
  if status == 200 then return end  -- the GET above; sign-ups answer 202 or an error
  answered = answered + 1
  if status == 202 then accepted = accepted + 1 end
  last_answer = now()
  if answered >= mine then
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  local first, last, ok = math.huge, 0, 0
  for _, t in ipairs(threads) do
    local f, l = t:get("first_sent"), t:get("last_answer")
    if f > 0 and f < first then first = f end
    if l > last then last = l end
    ok = ok + t:get("accepted")
  end
  io.write(string.format("bench-window-seconds %.6f\n", last - first))
  io.write(string.format("bench-accepted %d\n", ok))
end
