-- Each request logs in as one of the users whose session ids are in the file named by SESSIONS.
local ids = {}
for line in io.lines(os.getenv("SESSIONS")) do ids[#ids + 1] = line end
local n = 0
request = function()
  n = n + 1
  wrk.headers["Cookie"] = "sessionid=" .. ids[(n % #ids) + 1]
  return wrk.format()
end
