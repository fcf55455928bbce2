-- wrk script for tests/bench/comments.sh: posts comments on a measure, over and over.
--
--   wrk -t2 -c32 -d20s --latency -s tests/bench/comment.lua http://127.0.0.1:8097 -- \
--       /measures/5-1/comments resident 64
--   wrk … -s tests/bench/comment.lua http://127.0.0.1:8097 -- /measures/5-1/comments staff 1 PARENT
--
-- resident N: a new top-level comment per request, signed in as residents 1 … N in turn (their
-- sessions come from tests/bench/comments-data.sql: cookie kyodo_session=kyodo-bench-comments-
-- resident-n). staff: the staff member of the measure's department replies to the comment
-- PARENT: each reply is the city's answer (市の回答) and writes an outbox row for its author.
-- Each request carries the CSRF double-submit pair (cookie `kyodo_csrf` = form field `csrf`).
-- A comment taken answers 303 (to the page, at the new comment).
--
-- Every status is tallied; done() prints the tally and lines the benchmark script parses:
--   statuses: 303=1234
--   non-303: 0

local token = "kyodo-bench-comments-csrf-token-0123456789A" -- 43 characters, shaped as a token

local threads = {}

function setup(thread)
    thread:set("id", #threads)
    table.insert(threads, thread)
end

function init(args)
    path = args[1] or "/measures/5-1/comments"
    mode = args[2] or "resident"
    residents = tonumber(args[3] or "1")
    parent = args[4] or ""
    counter = 0
    statuses = {}
    samples = {}
end

function request()
    counter = counter + 1
    local session
    if mode == "staff" then
        session = "kyodo-bench-comments-staff"
    else
        -- Threads start at different residents, then take each in turn.
        session = "kyodo-bench-comments-resident-" .. ((id * 7919 + counter) % residents + 1)
    end
    -- Percent-encoded UTF-8: 「ベンチマークのコメントです。」 and the thread and request numbers.
    local body = "csrf=" .. token .. "&parent=" .. parent .. "&organisation=&after=&body="
        .. "%E3%83%99%E3%83%B3%E3%83%81%E3%83%9E%E3%83%BC%E3%82%AF%E3%81%AE%E3%82%B3%E3%83%A1"
        .. "%E3%83%B3%E3%83%88%E3%81%A7%E3%81%99%E3%80%82+" .. id .. "-" .. counter
    return wrk.format("POST", path, {
        ["Content-Type"] = "application/x-www-form-urlencoded",
        ["Cookie"] = "kyodo_csrf=" .. token .. "; kyodo_session=" .. session,
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
