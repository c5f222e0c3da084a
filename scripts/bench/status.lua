-- kontextd-bench: GET /v1/tasks/{uuid} for a task picked at random among the bench's bulk-loaded
-- tasks, whose UUIDs are <prefix>-0000-4000-8000-<index as 12 hex digits>, index 0 ..< count.
--
-- Arguments (after --): <prefix: 8 hex digits> <count>
-- done() prints "kx-counts generated=N ok=N other=N": requests built, 200s, other statuses.

local threads = {}
local nextThreadID = 1

function setup(thread)
  thread:set("id", nextThreadID)
  nextThreadID = nextThreadID + 1
  table.insert(threads, thread)
end

local prefix, count

function init(args)
  prefix = args[1]
  count = tonumber(args[2])
  generated, ok, other = 0, 0, 0
  math.randomseed(id * 104729 + os.time())
end

function request()
  generated = generated + 1
  local index = math.random(count) - 1
  return wrk.format("GET", string.format("/v1/tasks/%s-0000-4000-8000-%012x", prefix, index))
end

function response(status, headers, body)
  if status == 200 then ok = ok + 1 else other = other + 1 end
end

function done(summary, latency, requests)
  local totalGenerated, totalOK, totalOther = 0, 0, 0
  for _, thread in ipairs(threads) do
    totalGenerated = totalGenerated + thread:get("generated")
    totalOK = totalOK + thread:get("ok")
    totalOther = totalOther + thread:get("other")
  end
  io.write(string.format("kx-counts generated=%d ok=%d other=%d\n", totalGenerated, totalOK, totalOther))
end
