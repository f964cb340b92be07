-- wrk script of bench/webform.py: browsers loading the request form and submitting it.
--
--   wrk -t2 -c50 -d20s --timeout 10s -s bench/webform.lua http://127.0.0.1:PORT -- LABEL [FILE]
--
-- Each wrk thread alternates GET /requests/new and a multipart POST /requests with
-- what a browser sends for Desk's form: name, email, subject, message, the empty
-- file input `attachments` and the empty honeypot `website`. Every subject is unique
-- ("LABEL T-N ...": thread T, its Nth post) so the bench can count the kept ones;
-- each thread writes as 20 customers who come back. A 3xx answer is a stored
-- submission; done() prints one line "WEBFORM {json}" with the counts of all threads
-- and writes the Location of every 3xx to FILE, one a line, so the bench can look up
-- each answered submission in the database.

local BOUNDARY = "----DeskBenchBoundary7MA4YWxkTrZu0gW"
local MESSAGE = "Hello, since this morning the printer on the third floor shows 'paper jam' "
  .. "although there is no paper inside. We switched it off and on again, opened every tray "
  .. "and removed the toner. The display still says the same. Could someone come and look "
  .. "at it? Twelve people print their invoices there before the end of the month.\r\n\r\nThanks"

local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("tid", #threads)
end

local function part(name, value)
  return "--" .. BOUNDARY .. '\r\nContent-Disposition: form-data; name="' .. name
    .. '"\r\n\r\n' .. value .. "\r\n"
end

function init(args)
  label = args[1] or "run"
  locations_file = args[2]
  locations = {}
  sent = 0       -- requests written
  posts = 0      -- of which POSTs
  answers = 0    -- responses read
  redirects = 0  -- 3xx responses: stored submissions
  statuses = {}
  get_request = wrk.format("GET", "/requests/new")
  post_headers = {["Content-Type"] = "multipart/form-data; boundary=" .. BOUNDARY}
  -- Everything after the subject is the same in every post: built once.
  tail = part("message", MESSAGE)
    .. "--" .. BOUNDARY .. '\r\nContent-Disposition: form-data; name="attachments"; '
    .. 'filename=""\r\nContent-Type: application/octet-stream\r\n\r\n\r\n'
    .. part("website", "") .. "--" .. BOUNDARY .. "--\r\n"
end

function request()
  sent = sent + 1
  if sent % 2 == 1 then
    return get_request
  end
  posts = posts + 1
  local who = tid .. "." .. (posts % 20)
  local body = part("name", "Bench Customer " .. who)
    .. part("email", "bench" .. who .. "@example.com")
    .. part("subject", label .. " " .. tid .. "-" .. posts .. " printer shows a paper jam")
    .. tail
  return wrk.format("POST", "/requests", post_headers, body)
end

function response(status, headers, body)
  answers = answers + 1
  if status >= 300 and status < 400 then
    redirects = redirects + 1
    locations[redirects] = headers["location"] or headers["Location"] or ""
  end
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local total = {sent = 0, posts = 0, answers = 0, redirects = 0}
  local by_status = {}
  for _, thread in ipairs(threads) do
    for name, _ in pairs(total) do
      total[name] = total[name] + thread:get(name)
    end
    for status, count in pairs(thread:get("statuses")) do
      by_status[status] = (by_status[status] or 0) + count
    end
  end
  -- done() runs in wrk's main Lua state, which never saw the script's arguments.
  local path = threads[1]:get("locations_file")
  if path then
    local out = assert(io.open(path, "w"))
    for _, thread in ipairs(threads) do
      out:write(table.concat(thread:get("locations"), "\n"), "\n")
    end
    out:close()
  end
  local codes = {}
  for status, count in pairs(by_status) do
    table.insert(codes, string.format('"%d": %d', status, count))
  end
  local e = summary.errors
  io.write(string.format(
    'WEBFORM {"duration_us": %d, "sent": %d, "posts": %d, "answers": %d, "redirects": %d, '
    .. '"statuses": {%s}, "socket_errors": {"connect": %d, "read": %d, "write": %d, '
    .. '"timeout": %d}, "latency_ms_p50": %.1f, "latency_ms_p99": %.1f}\n',
    summary.duration, total.sent, total.posts, total.answers, total.redirects,
    table.concat(codes, ", "), e.connect, e.read, e.write, e.timeout,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
