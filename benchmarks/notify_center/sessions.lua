-- Each request logs in as one of the users whose Cookie headers (session and hint) are in the file named by SESSIONS, and every answer
-- must be a 200 with {"unread_count": <n>}, n one of the users' counts in EXPECTED ("3,4"; never 0, which is what
-- django-notifications-community answers to a request that is not logged in): done() prints how many were and were
-- not, which run.py checks.
local ids = {}
for line in io.lines(os.getenv("SESSIONS")) do ids[#ids + 1] = line end
local n = 0
request = function()
  n = n + 1
  wrk.headers["Cookie"] = ids[(n % #ids) + 1]
  return wrk.format()
end

local expected = {}
for count in string.gmatch(os.getenv("EXPECTED"), "%d+") do expected[count] = true end

-- Globals of each thread's Lua state, summed by done() in the main one.
good, bad, first_bad = 0, 0, ""
response = function(status, headers, body)
  if status == 200 and expected[string.match(body, '^{"unread_count": (%d+)}$') or ""] then
    good = good + 1
  else
    bad = bad + 1
    if first_bad == "" then first_bad = status .. " " .. string.sub(body or "", 1, 200) end
  end
end

local threads = {}
setup = function(thread) threads[#threads + 1] = thread end

done = function(summary, latency, requests)
  local total_good, total_bad, sample = 0, 0, ""
  for _, thread in ipairs(threads) do
    total_good = total_good + thread:get("good")
    total_bad = total_bad + thread:get("bad")
    if sample == "" then sample = thread:get("first_bad") end
  end
  io.write(string.format("checked: %d good, %d bad of %d responses\n", total_good, total_bad, summary.requests))
  if sample ~= "" then io.write("first bad response: ", (string.gsub(sample, "%s+", " ")), "\n") end
end
