-- Sends each prepared sign-up body once: thread t of T takes lines t, t+T, t+2T ...
local bodies = {}
local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("id", #threads)
end

function init(args)
  local i = 0
  for line in io.lines(os.getenv("BODIES")) do
    i = i + 1
    bodies[i] = line
  end
  nthreads = tonumber(os.getenv("THREADS"))
  next_index = id
end

function request()
  local body = bodies[next_index]
  if body == nil then
    body = bodies[1]  -- out of prepared bodies: a replay, refused with 422
  end
  next_index = next_index + nthreads
  return wrk.format("POST", "/api/v1/public/subscriptions",
                    {["Content-Type"] = "application/json"}, body)
end

-- Stops the thread once its share of prepared bodies is sent, so wrk's duration is the
-- time the sign-ups took, not the -d limit.
function response(status, headers, body)
  if bodies[next_index] == nil then
    wrk.thread:stop()
  end
end
