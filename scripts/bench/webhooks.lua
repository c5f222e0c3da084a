-- kontextd-bench: POSTs a NEW Runware result per request (a fresh imageUUID each time) to the
-- webhook URL of a task picked at random from a targets file the bench writes beforehand.
--
-- Arguments (after --): <targets.lua> <run-id: 8 hex digits, unused but kept in the log> <image base URL>
--                        [requests/s] [wrk threads]
--   targets.lua returns { {taskUUID, "/webhooks/runware/<taskUUID>?token=<token>"}, ... }
--   requests/s > 0 paces the whole run at that rate: each thread hands out send slots spaced
--   threads*1000/rate ms apart (wrk has no rate option and wrk2 is not packaged by Debian).
-- done() prints "kx-counts generated=N ok=N other=N full=N": requests built, 200s, other statuses,
-- and of those the 409s a task that already holds its numberResults answers (random targets
-- over-fill a few tasks in long runs: the daemon refusing them is correct, not a failure).

local threads = {}
local nextThreadID = 1

function setup(thread)
  thread:set("id", nextThreadID)
  nextThreadID = nextThreadID + 1
  table.insert(threads, thread)
end

local ffi = require("ffi")
ffi.cdef[[
  typedef struct { long tv_sec; long tv_nsec; } kx_timespec;
  int clock_gettime(int clock, kx_timespec *time);
]]
local clock = ffi.new("kx_timespec")
local function nowMilliseconds()
  ffi.C.clock_gettime(1, clock) -- CLOCK_MONOTONIC
  return tonumber(clock.tv_sec) * 1000 + tonumber(clock.tv_nsec) / 1000000
end

local targets, runID, imageBase
local headers = { ["Content-Type"] = "application/json" }

function init(args)
  targets = dofile(args[1])
  runID = args[2]
  imageBase = args[3]
  generated, ok, other, full = 0, 0, 0, 0
  math.randomseed(id * 7919 + os.time())
  local rate = tonumber(args[4] or "0")
  if rate > 0 then
    local interval = 1000 * tonumber(args[5] or "1") / rate
    local nextSlot = nowMilliseconds()
    -- Defined only when pacing: wrk schedules through delay() only if the function exists.
    delay = function()
      local now = nowMilliseconds()
      nextSlot = math.max(nextSlot + interval, now)
      return nextSlot - now
    end
  end
end

function request()
  generated = generated + 1
  local target = targets[math.random(#targets)]
  -- Random where Runware's v4 UUIDs are random (so index inserts land at random places, as
  -- in production), unique by construction: thread in the 2nd group, counter in the last.
  local imageUUID = string.format("%08x-%04x-4%03x-8%03x-%012x",
    math.random(0, 0x7fffffff) * 2 + math.random(0, 1), id, math.random(0, 0xfff), math.random(0, 0xfff), generated)
  local body = string.format(
    '{"taskType":"imageInference","taskUUID":"%s","imageUUID":"%s","imageURL":"%s/%s.jpg","seed":%d}',
    target[1], imageUUID, imageBase, imageUUID, generated)
  return wrk.format("POST", target[2], headers, body)
end

function response(status, headers, body)
  if status == 200 then ok = ok + 1 else other = other + 1 end
  if status == 409 then full = full + 1 end
end

function done(summary, latency, requests)
  local totalGenerated, totalOK, totalOther, totalFull = 0, 0, 0, 0
  for _, thread in ipairs(threads) do
    totalGenerated = totalGenerated + thread:get("generated")
    totalOK = totalOK + thread:get("ok")
    totalOther = totalOther + thread:get("other")
    totalFull = totalFull + thread:get("full")
  end
  io.write(string.format("kx-counts generated=%d ok=%d other=%d full=%d\n", totalGenerated, totalOK, totalOther, totalFull))
end
