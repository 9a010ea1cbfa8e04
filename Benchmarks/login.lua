-- wrk script: log the benchmark user in (bcrypt at the server's configured cost).
wrk.method = "POST"
wrk.path = "/api/v1/auth/login"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"email":"' .. os.getenv("BENCH_EMAIL") .. '","password":"benchmark password"}'
