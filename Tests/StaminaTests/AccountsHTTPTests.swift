import Foundation
import HTTPTypes
import Testing

@Suite("Accounts over HTTP")
struct AccountsHTTPTests {
    @Test("register, log in, read and change the own profile", arguments: Backend.allCases)
    func profileLifecycle(backend: Backend) async throws {
        try await withTestApp(backend) { api in
            let (token, _, id) = try await api.register("Ann@Example.com", name: "Ann")
            let login = try await api.send(
                .post, "/api/v1/auth/login", json: #"{"email":"ann@example.com","password":"correct horse"}"#)
            #expect(login.status == .ok)
            let me = try await api.send(.get, "/api/v1/users/me", token: token)
            #expect(me.status == .ok)
            #expect(me["email"] == "ann@example.com")
            #expect(me["id"] == id)

            let patched = try await api.send(
                .patch, "/api/v1/users/\(id)", token: token,
                json:
                    #"{"weight":61.5,"height":1.7,"dob":"1991-03-04","gender":"female","timeZone":"Europe/Berlin","zones":{"maxHeartRate":188,"functionalThresholdPower":240}}"#
            )
            #expect(patched.status == .ok)
            #expect(patched.json["weight"] as? Double == 61.5)
            #expect((patched.json["zones"] as? [String: Any])?["maxHeartRate"] as? Int == 188)
            // null clears a nullable field; absent members stay.
            let cleared = try await api.send(.patch, "/api/v1/users/\(id)", token: token, json: #"{"weight":null}"#)
            #expect(cleared.json["weight"] == nil)
            #expect(cleared["dob"] == "1991-03-04")
        }
    }

    @Test("another user sees only the public profile and cannot change it", arguments: Backend.allCases)
    func privacyOfProfiles(backend: Backend) async throws {
        try await withTestApp(backend) { api in
            let ann = try await api.register("ann@example.com")
            let bob = try await api.register("bob@example.com")
            try await api.send(
                .patch, "/api/v1/users/\(ann.id)", token: ann.token, json: #"{"weight":60,"dob":"1990-01-01"}"#)
            let seen = try await api.send(.get, "/api/v1/users/\(ann.id)", token: bob.token)
            #expect(seen.status == .ok)
            #expect(Set(seen.json.keys) == ["id", "name", "createdAt"])
            let change = try await api.send(
                .patch, "/api/v1/users/\(ann.id)", token: bob.token, json: #"{"name":"Mallory"}"#)
            #expect(change.status == .forbidden)
            #expect(change.headers[.contentType] == "application/problem+json")
        }
    }

    @Test("bad requests get problem JSON naming the field, never a 500", arguments: Backend.allCases)
    func badInput(backend: Backend) async throws {
        try await withTestApp(backend, configure: { $0.maxBodySize = 2048 }) { api in
            let ann = try await api.register("ann@example.com")
            let cases: [(String, HTTPResponse.Status, String?)] = [
                (#"{"email":"ann@example.com","password":"correct horse","name":"Ann"}"#, .conflict, "#/email"),
                (
                    #"{"email":"not-an-email","password":"correct horse","name":"Ann"}"#, .unprocessableContent,
                    "#/email"
                ),
                (#"{"email":"x@example.com","password":"short","name":"Ann"}"#, .unprocessableContent, "#/password"),
                (#"{"email":"x@example.com","password":"correct horse"}"#, .unprocessableContent, "#/name"),
                (#"{"email":"x@example.com","password":12345678,"name":"A"}"#, .unprocessableContent, "#/password"),
                (
                    #"{"email":"x@example.com","password":"correct horse","name":"\#(String(repeating: "n", count: 101))"}"#,
                    .unprocessableContent, "#/name"
                ),
                (#"{"email":"#, .badRequest, nil),
                ("[1,2]", .unprocessableContent, nil),
            ]
            for (body, status, pointer) in cases {
                let reply = try await api.send(.post, "/api/v1/auth/register", json: body)
                #expect(reply.status == status, "\(body)")
                #expect(reply.headers[.contentType] == "application/problem+json")
                #expect(reply.json["status"] as? Int == Int(status.code))
                if let pointer { #expect(reply.pointers.contains(pointer), "\(body): \(reply.pointers)") }
            }
            let oversize = try await api.send(
                .post, "/api/v1/auth/register", json: #"{"name":"\#(String(repeating: "x", count: 4096))"}"#)
            #expect(oversize.status == .contentTooLarge)
            let wrongType = try await api.send(.post, "/api/v1/auth/login", json: "email=a", contentType: "text/plain")
            #expect(wrongType.status == .unsupportedMediaType)
            let unknownEnum = try await api.send(
                .patch, "/api/v1/users/\(ann.id)", token: ann.token, json: #"{"gender":"robot"}"#)
            #expect(unknownEnum.status == .unprocessableContent)
            #expect(unknownEnum.pointers == ["#/gender"])
            let impossible = try await api.send(
                .patch, "/api/v1/users/\(ann.id)", token: ann.token,
                json: #"{"dob":"1990-02-30","height":9,"zones":{"maxHeartRate":400},"timeZone":"Mars/Base","nope":1}"#)
            #expect(impossible.status == .unprocessableContent)
            #expect(Set(impossible.pointers) == ["#/dob", "#/height", "#/zones/maxHeartRate", "#/timeZone", "#/nope"])
            // A rejected patch changes nothing.
            let me = try await api.send(.get, "/api/v1/users/me", token: ann.token)
            #expect(me["timeZone"] == "UTC")
            #expect(try await api.send(.get, "/api/v1/users/\(UUID())", token: ann.token).status == .notFound)
            #expect(try await api.send(.get, "/api/v1/users/not-a-uuid", token: ann.token).status == .notFound)
            #expect(try await api.send(.get, "/api/v1/nowhere").status == .notFound)
            #expect(try await api.send(.get, "/api/v1/users/me").status == .unauthorized)
            #expect(try await api.send(.get, "/api/v1/users/me", token: "garbage").status == .unauthorized)
        }
    }

    @Test("wrong passwords are refused and repeated attempts are rate limited with Retry-After")
    func loginRateLimit() async throws {
        try await withTestApp(
            .sqlite, configure: { $0.accounts.loginLimitPerAccount = .init(attempts: 3, window: 600) }
        ) { api in
            _ = try await api.register("ann@example.com")
            for _ in 0..<3 {
                let wrong = try await api.send(
                    .post, "/api/v1/auth/login", json: #"{"email":"ann@example.com","password":"wrong password"}"#)
                #expect(wrong.status == .unauthorized)
            }
            let limited = try await api.send(
                .post, "/api/v1/auth/login", json: #"{"email":"ann@example.com","password":"correct horse"}"#)
            #expect(limited.status == .tooManyRequests)
            let retryAfter = try #require(limited.headers[.retryAfter].flatMap(Int.init))
            #expect(retryAfter > 0 && retryAfter <= 600)
            let unknown = try await api.send(
                .post, "/api/v1/auth/login", json: #"{"email":"nobody@example.com","password":"whatever1"}"#)
            #expect(unknown.status == .unauthorized)
        }
    }

    @Test("one client address trying many accounts is rate limited too")
    func loginRateLimitPerAddress() async throws {
        try await withTestApp(
            .sqlite, configure: { $0.accounts.loginLimitPerAddress = .init(attempts: 3, window: 600) }
        ) {
            api in
            for index in 0..<3 {
                let reply = try await api.send(
                    .post, "/api/v1/auth/login",
                    json: #"{"email":"user\#(index)@example.com","password":"guess guess"}"#)
                #expect(reply.status == .unauthorized)
            }
            let limited = try await api.send(
                .post, "/api/v1/auth/login", json: #"{"email":"someone@example.com","password":"guess guess"}"#)
            #expect(limited.status == .tooManyRequests)
            #expect(limited.headers[.retryAfter] != nil)
        }
    }

    @Test("refresh tokens rotate, and reusing a rotated one revokes the whole session", arguments: Backend.allCases)
    func refreshRotation(backend: Backend) async throws {
        try await withTestApp(backend) { api in
            let ann = try await api.register("ann@example.com")
            let first = try await api.send(.post, "/api/v1/auth/refresh", json: #"{"refreshToken":"\#(ann.refresh)"}"#)
            #expect(first.status == .ok)
            let next = try #require(first["refreshToken"])
            #expect(next != ann.refresh)
            let me = try await api.send(.get, "/api/v1/users/me", token: first["accessToken"] ?? "")
            #expect(me.status == .ok)
            // Replaying the rotated token: refused, and the family (including `next`) is revoked.
            let replay = try await api.send(.post, "/api/v1/auth/refresh", json: #"{"refreshToken":"\#(ann.refresh)"}"#)
            #expect(replay.status == .unauthorized)
            let afterReplay = try await api.send(.post, "/api/v1/auth/refresh", json: #"{"refreshToken":"\#(next)"}"#)
            #expect(afterReplay.status == .unauthorized)

            // Logout revokes a fresh session's refresh token.
            let login = try await api.send(
                .post, "/api/v1/auth/login", json: #"{"email":"ann@example.com","password":"correct horse"}"#)
            let refresh = try #require(login["refreshToken"])
            #expect(
                try await api.send(.post, "/api/v1/auth/logout", json: #"{"refreshToken":"\#(refresh)"}"#).status
                    == .noContent)
            #expect(
                try await api.send(.post, "/api/v1/auth/refresh", json: #"{"refreshToken":"\#(refresh)"}"#).status
                    == .unauthorized)
        }
    }

    @Test("goals: create, list, change, delete; others' goals are invisible", arguments: Backend.allCases)
    func goals(backend: Backend) async throws {
        try await withTestApp(backend) { api in
            let ann = try await api.register("ann@example.com")
            let bob = try await api.register("bob@example.com")
            let created = try await api.send(
                .post, "/api/v1/goals", token: ann.token,
                json: #"{"type":"distance","period":"month","sport":"running","target":150000,"name":"Spring block"}"#)
            #expect(created.status == .created)
            let id = try #require(created["id"])
            #expect(created["userId"] == ann.id)
            let weight = try await api.send(
                .post, "/api/v1/goals", token: ann.token,
                json: #"{"type":"body_weight","target":68,"endDate":"2027-06-01"}"#)
            #expect(weight.status == .created)
            #expect(weight["period"] == "custom")

            let list = try await api.send(.get, "/api/v1/goals", token: ann.token)
            #expect((list.json["items"] as? [Any])?.count == 2)
            let me = try await api.send(.get, "/api/v1/users/me", token: ann.token)
            #expect((me.json["goals"] as? [Any])?.count == 2)

            let changed = try await api.send(
                .patch, "/api/v1/goals/\(id)", token: ann.token, json: #"{"target":200000,"sport":null}"#)
            #expect(changed.status == .ok)
            #expect(changed.json["target"] as? Double == 200_000)
            #expect(changed.json["sport"] == nil)

            #expect(try await api.send(.get, "/api/v1/goals/\(id)", token: bob.token).status == .notFound)
            #expect(try await api.send(.delete, "/api/v1/goals/\(id)", token: bob.token).status == .notFound)
            #expect(try await api.send(.delete, "/api/v1/goals/\(id)", token: ann.token).status == .noContent)
            #expect(try await api.send(.get, "/api/v1/goals/\(id)", token: ann.token).status == .notFound)

            let invalid: [(String, String)] = [
                (#"{"type":"distance","target":1000}"#, "#/period"),
                (#"{"type":"distance","period":"fortnight","target":1000}"#, "#/period"),
                (#"{"type":"distance","period":"week","target":-5}"#, "#/target"),
                (#"{"type":"duration","period":"custom","target":3600,"startDate":"2026-05-01"}"#, "#/endDate"),
                (
                    #"{"type":"elevation","period":"custom","target":900,"startDate":"2026-05-02","endDate":"2026-05-01"}"#,
                    "#/endDate"
                ),
                (#"{"type":"body_weight","target":68,"sport":"running"}"#, "#/sport"),
                (#"{"type":"activity_count","period":"week","target":3,"sport":"curling"}"#, "#/sport"),
            ]
            for (body, pointer) in invalid {
                let reply = try await api.send(.post, "/api/v1/goals", token: ann.token, json: body)
                #expect(reply.status == .unprocessableContent, "\(body)")
                #expect(reply.pointers.contains(pointer), "\(body): \(reply.pointers)")
            }
        }
    }

    @Test("health, readiness, metrics and the OpenAPI document are served")
    func operations() async throws {
        try await withTestApp(.sqlite) { api in
            #expect(try await api.send(.get, "/health/live").status == .ok)
            let ready = try await api.send(.get, "/health/ready")
            #expect(ready["status"] == "ready")
            #expect(try await api.send(.get, "/metrics").status == .ok)
            let document = try await api.send(.get, "/api/v1/openapi.json")
            #expect(document.status == .ok)
            #expect((document.json["openapi"] as? String)?.hasPrefix("3.1") == true)
        }
    }
}
