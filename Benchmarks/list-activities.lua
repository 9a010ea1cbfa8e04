-- wrk script: the first page (20) of the benchmark user's activities.
wrk.path = "/api/v1/users/" .. os.getenv("BENCH_USER_ID") .. "/activities?limit=20"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN")
