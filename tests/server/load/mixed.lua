-- wrk script for scripts/server-load: GET pipes/ as a user, and every 100th
-- request a POST with a body that is not JSON. Counts answers by status and
-- the malformed requests sent, per thread; `done` prints the totals.
local token = os.getenv("LOAD_TOKEN")
local threads = {}

function setup(thread)
    table.insert(threads, thread)
end

function init(args)
    statuses = {}
    malformed_sent = 0
    sent = 0
    good = wrk.format("GET", "/v1/api/pipes/", { ["Authorization"] = "Token " .. token })
    bad = wrk.format("POST", "/v1/api/pipes/",
        { ["Authorization"] = "Token " .. token, ["Content-Type"] = "application/json" }, '{"name": ')
end

function request()
    sent = sent + 1
    if sent % 100 == 0 then
        malformed_sent = malformed_sent + 1
        return bad
    end
    return good
end

function response(status, headers, body)
    statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
    local totals, malformed = {}, 0
    for _, thread in ipairs(threads) do
        malformed = malformed + thread:get("malformed_sent")
        for status, count in pairs(thread:get("statuses")) do
            totals[status] = (totals[status] or 0) + count
        end
    end
    for status, count in pairs(totals) do
        io.write(string.format("status %d %d\n", status, count))
    end
    local e = summary.errors
    io.write(string.format("malformed %d\n", malformed))
    io.write(string.format("requests %d seconds %.3f\n", summary.requests, summary.duration / 1e6))
    io.write(string.format("socket-errors %d %d %d %d\n", e.connect, e.read, e.write, e.timeout))
    io.write(string.format("latency-p99-ms %.2f\n", latency:percentile(99) / 1000))
end
