-- wrk script: GET the benchmark user's own profile.
wrk.path = "/api/v1/users/me"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN")
