-- bench/load: the wrk script. Arguments (after `--`): COOKIES ORIGIN THREADS [ENDPOINT]
--   COOKIES   a file with one signed-in user's Cookie header per line
--   ORIGIN    the server's origin (the Origin header server functions check)
--   THREADS   wrk's -t (a thread's init runs before the next thread exists, so it cannot count them)
--   ENDPOINT  one of the paths below to load that one alone; all of them, picked at random per request, when absent
-- Each thread takes every Nth user (N threads) and sends its requests in turn from its users, so with as many
-- connections as users each user has about one request in flight, as a signed-in browser would. Prints a summary
-- line `LOAD key=value ...` that bench/load/run parses. Errors: socket errors (connect, read, write, timeout) and
-- every response that is not 2xx.

local endpoints = {
    { path = "/api/dashboard/summary", body = "" },
    { path = "/api/videos/list", body = "" },
    { path = "/api/clips/list", body = "sort=score&status=" },
    { path = "/api/analytics/overview", body = "" },
}

local threads = {}
local counter = 0

function setup(thread)
    thread:set("id", counter)
    counter = counter + 1
    table.insert(threads, thread)
end

function init(args)
    local cookies_file, origin, total, only = args[1], args[2], tonumber(args[3]), args[4]
    local mine = {}
    local i = 0
    for line in io.lines(cookies_file) do
        if line ~= "" then
            if i % total == id then table.insert(mine, line) end
            i = i + 1
        end
    end
    if #mine == 0 then error("thread " .. id .. " has no users (" .. i .. " in " .. cookies_file .. ")") end
    local chosen = {}
    for _, e in ipairs(endpoints) do
        if only == nil or only == "" or only == e.path then table.insert(chosen, e) end
    end
    if #chosen == 0 then error("unknown endpoint " .. tostring(only)) end
    -- Every (user, endpoint) request is formatted once.
    requests = {}
    for u, cookie in ipairs(mine) do
        requests[u] = {}
        for k, e in ipairs(chosen) do
            requests[u][k] = wrk.format("POST", e.path, {
                ["Origin"] = origin,
                ["Content-Type"] = "application/x-www-form-urlencoded",
                ["Accept"] = "application/json",
                ["Cookie"] = cookie,
            }, e.body)
        end
    end
    nusers, nendpoints = #mine, #chosen
    next_user = 0
    non2xx = 0
    statuses = {}
    math.randomseed(os.time() + id * 7919)
end

function request()
    next_user = next_user % nusers + 1
    return requests[next_user][math.random(nendpoints)]
end

function response(status, headers, body)
    if status < 200 or status > 299 then
        non2xx = non2xx + 1
        statuses[status] = (statuses[status] or 0) + 1
    end
end

function done(summary, latency, requests)
    local non2xx_total, by_status = 0, {}
    for _, thread in ipairs(threads) do
        non2xx_total = non2xx_total + thread:get("non2xx")
        for status, n in pairs(thread:get("statuses")) do by_status[status] = (by_status[status] or 0) + n end
    end
    local e = summary.errors
    local socket = e.connect + e.read + e.write + e.timeout
    local seconds = summary.duration / 1e6
    local codes = {}
    for status, n in pairs(by_status) do table.insert(codes, status .. ":" .. n) end
    local ms = function(p) return string.format("%.1f", latency:percentile(p) / 1000) end
    io.write(string.format(
        "LOAD requests=%d seconds=%.1f rps=%.1f p50_ms=%s p90_ms=%s p99_ms=%s max_ms=%.1f mean_ms=%.1f "
            .. "errors=%d error_rate=%.4f non2xx=%d socket_connect=%d socket_read=%d socket_write=%d "
            .. "socket_timeout=%d statuses=%s\n",
        summary.requests, seconds, summary.requests / seconds, ms(50), ms(90), ms(99), latency.max / 1000,
        latency.mean / 1000, non2xx_total + socket, (non2xx_total + socket) / math.max(summary.requests, 1),
        non2xx_total, e.connect, e.read, e.write, e.timeout, #codes > 0 and table.concat(codes, ",") or "-"))
end
