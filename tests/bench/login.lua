-- wrk script for tests/bench/people.sh: signs in with POST /login, over and over.
--
--   wrk -t1 -c8 -d20s --latency -s tests/bench/login.lua http://127.0.0.1:8096 -- RUN EMAIL PASSWORD
--
-- RUN (0–255) is the second octet of the client addresses this run pretends to come from, so
-- that runs never share an address; EMAIL and PASSWORD are those of a verified account.
--
-- Each request carries the CSRF double-submit pair (cookie `kyodo_csrf` = form field `csrf`; any
-- value shaped as a token, 43 URL-safe base64 characters, is accepted) and its own
-- `X-Forwarded-For: 10.RUN.y.z`: with KYODO_TRUST_PROXY=true the app takes the client address
-- from that header. The sign-in limits (per address and per account) count only failures, so
-- they never stop the benchmark. A successful sign-in answers 303 (Location: /) and creates a
-- session row.
--
-- Every status is tallied; done() prints the tally and a line the benchmark script parses:
--   statuses: 303=1234 200=2
--   non-303: 2

local token = "kyodo-bench-people-csrf-token-0123456789abc" -- 43 characters

local function urlencode(s)
    return (s:gsub("[^%w%-%._~]", function(c)
        return string.format("%%%02X", string.byte(c))
    end))
end

local threads = {}

function setup(thread)
    thread:set("id", #threads)
    table.insert(threads, thread)
end

function init(args)
    run = tonumber(args[1] or "0") % 256
    local email = args[2] or "bench@example.jp"
    local password = args[3] or ""
    body = "csrf=" .. token .. "&email=" .. urlencode(email) .. "&password=" .. urlencode(password)
        .. "&next=%2F"
    counter = 0
    statuses = {}
    samples = {}
end

function request()
    counter = counter + 1
    -- 10.RUN.y.z, z from 1 to 254; each thread starts at its own y (64 addresses × 254 each).
    local n = counter - 1
    local y = (id * 64 + math.floor(n / 254)) % 256
    local z = n % 254 + 1
    return wrk.format("POST", "/login", {
        ["Content-Type"] = "application/x-www-form-urlencoded",
        ["Cookie"] = "kyodo_csrf=" .. token,
        ["X-Forwarded-For"] = string.format("10.%d.%d.%d", run, y, z),
    }, body)
end

function response(status, headers, body)
    local key = tostring(status)
    statuses[key] = (statuses[key] or 0) + 1
    if status ~= 303 and #samples < 3 then
        table.insert(samples, key .. " " .. string.sub(string.gsub(body or "", "%s+", " "), 1, 300))
    end
end

function done(summary, latency, requests)
    local total, other = {}, 0
    for _, thread in ipairs(threads) do
        for key, count in pairs(thread:get("statuses")) do
            total[key] = (total[key] or 0) + count
        end
        for _, sample in ipairs(thread:get("samples")) do
            io.write("non-303 sample: ", sample, "\n")
        end
    end
    local parts = {}
    for key, count in pairs(total) do
        table.insert(parts, key .. "=" .. count)
        if key ~= "303" then
            other = other + count
        end
    end
    table.sort(parts)
    io.write("statuses: ", table.concat(parts, " "), "\n")
    io.write("non-303: ", other, "\n")
end
