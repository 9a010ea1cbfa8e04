-- wrk script: PATCH the benchmark user's profile with a changing weight.
wrk.method = "PATCH"
wrk.path = "/api/v1/users/" .. os.getenv("BENCH_USER_ID")
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN")
local counter = 0
request = function()
    counter = counter + 1
    return wrk.format(nil, nil, nil, '{"weight":' .. (60 + counter % 20) .. '}')
end
