import Foundation
import HTTPTypes
import Testing

@Suite("Progress and goal progress over HTTP")
struct InsightsHTTPTests {
    /// Polls `path` until `done` holds for its JSON (the read model is updated asynchronously).
    func eventually(
        _ api: APIClient, _ path: String, token: String, _ done: ([String: any Sendable]) -> Bool
    ) async throws -> APIClient.Reply {
        var reply = try await api.send(.get, path, token: token)
        let deadline = Date().addingTimeInterval(10)
        while !done(reply.json) && Date() < deadline {
            try await Task.sleep(for: .milliseconds(20))
            reply = try await api.send(.get, path, token: token)
        }
        return reply
    }

    static func current(_ json: [String: any Sendable]) -> [String: Any] {
        ((json["periods"] as? [[String: Any]])?.first?["totals"] as? [String: Any]) ?? [:]
    }

    @Test("weekly totals follow uploads, edits and deletes; goals show their progress", arguments: Backend.allCases)
    func progressFollowsActivities(backend: Backend) async throws {
        try await withTestApp(backend) { api in
            let ann = try await api.register("ann@example.com")
            let bob = try await api.register("bob@example.com")
            let now = Date().formatted(.iso8601)
            var ids: [String] = []
            for (sport, distance, visibility) in [
                ("running", 5000, "public"), ("running", 10000, "private"), ("cycling", 40000, "public"),
            ] {
                let reply = try await api.send(
                    .post, "/api/v1/activities", token: ann.token,
                    json:
                        #"{"type":"\#(sport)","startTime":"\#(now)","duration":1800,"distance":\#(distance),"visibility":"\#(visibility)"}"#
                )
                ids.append(try #require(reply["id"]))
            }
            let path = "/api/v1/users/\(ann.id)/progress?period=week"
            let progress = try await eventually(api, path, token: ann.token) {
                Self.current($0)["activities"] as? Int == 3
            }
            #expect(Self.current(progress.json)["distance"] as? Double == 55_000)
            let bySport = (progress.json["periods"] as? [[String: Any]])?.first?["bySport"] as? [String: [String: Any]]
            #expect(bySport?["running"]?["distance"] as? Double == 15_000)
            #expect((progress.json["trend"] as? [String: Any])?["activities"] as? Int == 3)

            let seen = try await api.send(.get, path, token: bob.token)
            #expect(Self.current(seen.json)["distance"] as? Double == 45_000)

            let goal = try await api.send(
                .post, "/api/v1/goals", token: ann.token,
                json: #"{"type":"distance","period":"week","sport":"running","target":20000}"#)
            #expect(goal.status == .created)
            let goals = try await api.send(.get, "/api/v1/goals", token: ann.token)
            let status = (goals.json["items"] as? [[String: Any]])?.first?["progress"] as? [String: Any]
            #expect(status?["value"] as? Double == 15_000)
            #expect(status?["fraction"] as? Double == 0.75)

            try await api.send(.patch, "/api/v1/activities/\(ids[0])", token: ann.token, json: #"{"type":"walking"}"#)
            try await api.send(.delete, "/api/v1/activities/\(ids[2])", token: ann.token)
            let after = try await eventually(api, path, token: ann.token) {
                Self.current($0)["activities"] as? Int == 2
            }
            let sports = (after.json["periods"] as? [[String: Any]])?.first?["bySport"] as? [String: [String: Any]]
            #expect(sports?["walking"]?["distance"] as? Double == 5_000)
            #expect(sports?["cycling"] == nil)
            #expect(
                try await api.send(.get, "/api/v1/users/\(ann.id)/progress?period=decade", token: ann.token).status
                    == .unprocessableContent)
        }
    }
}
