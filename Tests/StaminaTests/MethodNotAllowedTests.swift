import Foundation
import HTTPTypes
import Testing

/// A method a path does not serve gets 405 with the methods it does serve; an unknown path stays 404.
@Suite("Method not allowed")
struct MethodNotAllowedTests {
    @Test("wrong methods get 405 and Allow, routed ones pass, unknown paths get 404")
    func methodNotAllowed() async throws {
        try await withTestApp(.sqlite) { api in
            let ann = try await api.register("ann@example.com")
            let login = try await api.send(.delete, "/api/v1/auth/login")
            #expect(login.status == .methodNotAllowed)
            #expect(login.headers[.allow] == "POST")
            #expect(login["type"] == "urn:stamina:problem:method-not-allowed")
            let activity = try await api.send(.put, "/api/v1/activities/\(UUID())", token: ann.token, json: "{}")
            #expect(activity.status == .methodNotAllowed)
            #expect(activity.headers[.allow] == "DELETE, GET, PATCH")
            #expect(try await api.send(.get, "/api/v1/users/me", token: ann.token).status == .ok)
            // `/users/me` is its own route: PATCH goes to `/users/{id}`.
            #expect(
                try await api.send(.patch, "/api/v1/users/me", token: ann.token, json: "{}").status == .methodNotAllowed
            )
            #expect(try await api.send(.get, "/api/v1/activities/\(UUID())", token: ann.token).status == .notFound)
            #expect(try await api.send(.get, "/api/v1/nowhere").status == .notFound)
        }
    }
}
