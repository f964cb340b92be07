-- wrk script of bench/sign_in_flood.py: guessers posting wrong passwords at the sign-in page.
--
--   wrk -t2 -cN -dS -s bench/sign_in.lua http://127.0.0.1:PORT
--
-- Each thread first loads the sign-in page for a session cookie and its CSRF token, then
-- posts wrong passwords for random accounts, each request from a random address (an
-- X-Forwarded-For the server believes: the bench starts it with --forwarded-allow-ips), so
-- neither the per-account nor the per-address throttle stops it: every try costs the
-- server a password hash, the worst case for everyone else. done() prints "SIGNIN {json}".

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  cookie, token = nil, nil
  ok, wrong, throttled, other = 0, 0, 0, 0
  math.randomseed(os.time() + #threads * 7919)
end

function request()
  if token == nil then
    return wrk.format("GET", "/agent/login")
  end
  local body = "email=guess" .. math.random(1, 1000000) .. "%40desk.example&password=wrong"
    .. math.random(1, 1000000000) .. "&csrf_token=" .. token .. "&next=%2Fagent%2F"
  local address = "10." .. math.random(0, 255) .. "." .. math.random(0, 255) .. "."
    .. math.random(1, 254)
  return wrk.format("POST", "/agent/login", {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Cookie"] = cookie,
    ["X-Forwarded-For"] = address,
  }, body)
end

function response(status, headers, body)
  if token == nil and status == 200 then
    local set = headers["set-cookie"] or headers["Set-Cookie"]
    if set then cookie = set:match("^([^;]+)") end
    token = body:match('name="csrf_token" value="([^"]+)"')
    return
  end
  if status == 400 then wrong = wrong + 1
  elseif status == 429 then throttled = throttled + 1
  elseif status == 200 then ok = ok + 1
  else other = other + 1 end
end

function done(summary, latency, requests)
  local t = {wrong = 0, throttled = 0, other = 0}
  for _, thread in ipairs(threads) do
    t.wrong = t.wrong + thread:get("wrong")
    t.throttled = t.throttled + thread:get("throttled")
    t.other = t.other + thread:get("other")
  end
  io.write(string.format('SIGNIN {"wrong": %d, "throttled": %d, "other": %d, "seconds": %.2f}\n',
    t.wrong, t.throttled, t.other, summary.duration / 1e6))
end
