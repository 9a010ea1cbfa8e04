import Foundation
import HTTPAPI
import Hummingbird

/// The HTTP surface of Accounts: authentication, profiles and goals under `/api/v1`.
public struct AccountsRoutes: Sendable {
    let service: AccountService
    /// Largest accepted request body, in bytes.
    let maxBodySize: Int
    /// Measures goals; without it goals are listed without progress.
    let progress: (any GoalProgressSource)?

    public init(service: AccountService, maxBodySize: Int, progress: (any GoalProgressSource)? = nil) {
        self.service = service
        self.maxBodySize = maxBodySize
        self.progress = progress
    }

    struct Credentials: Decodable {
        var email: String
        var password: String
    }

    struct Registration: Decodable {
        var email: String
        var password: String
        var name: String
    }

    struct RefreshRequest: Decodable {
        var refreshToken: String
    }

    /// A session's answer: the private profile and the tokens.
    struct SessionResponse: Encodable {
        var user: PrivateProfile
        var accessToken: String
        var refreshToken: String
        var tokenType: String
        var expiresIn: Int

        init(user: User, goals: [Goal], tokens: TokenPair) {
            self.user = PrivateProfile(user: user, goals: goals)
            self.accessToken = tokens.accessToken
            self.refreshToken = tokens.refreshToken
            self.tokenType = tokens.tokenType
            self.expiresIn = tokens.expiresIn
        }
    }

    struct GoalList: Encodable {
        var items: [GoalResponse]
    }

    /// A goal with its progress in the current window.
    struct GoalResponse: Encodable {
        var goal: Goal
        var progress: GoalStatus?

        func encode(to encoder: any Encoder) throws {
            try goal.encode(to: encoder)
            var container = encoder.container(keyedBy: Keys.self)
            try container.encodeIfPresent(progress, forKey: .progress)
        }

        enum Keys: String, CodingKey { case progress }
    }

    func response(_ goal: Goal) async throws -> GoalResponse {
        GoalResponse(goal: goal, progress: try await progress?.status(of: goal))
    }

    /// Adds the public routes (no token) to `group`.
    public func addPublicRoutes(to group: RouterGroup<APIRequestContext>) {
        group.post("auth/register") { request, _ in
            let body = try await request.decodeJSON(Registration.self, limit: maxBodySize)
            let (user, tokens) = try await service.register(email: body.email, password: body.password, name: body.name)
            return try Response.json(SessionResponse(user: user, goals: [], tokens: tokens), status: .created)
        }
        group.post("auth/login") { request, context in
            let body = try await request.decodeJSON(Credentials.self, limit: maxBodySize)
            let (user, tokens) = try await service.login(
                email: body.email, password: body.password, address: context.remoteAddress)
            let goals = try await service.goals(of: Identity(userID: user.id))
            return try Response.json(SessionResponse(user: user, goals: goals, tokens: tokens))
        }
        group.post("auth/refresh") { request, _ in
            let body = try await request.decodeJSON(RefreshRequest.self, limit: maxBodySize)
            return try Response.json(try await service.refresh(refreshToken: body.refreshToken))
        }
        group.post("auth/logout") { request, _ in
            let body = try await request.decodeJSON(RefreshRequest.self, limit: maxBodySize)
            try await service.logout(refreshToken: body.refreshToken)
            return Response.empty()
        }
    }

    /// Adds the routes that need a verified bearer token to `group`.
    public func addAuthenticatedRoutes(to group: RouterGroup<APIRequestContext>) {
        group.get("users/me") { _, context in
            let identity = try context.requireIdentity()
            return try await privateProfile(identity.userID)
        }
        group.get("users/:id") { _, context in
            let identity = try context.requireIdentity()
            let id = try context.uuidParameter("id")
            if id == identity.userID { return try await privateProfile(id) }
            guard let user = try await service.user(id: id) else { throw Problem.notFound("No such user.") }
            return try Response.json(PublicProfile(user: user))
        }
        group.patch("users/:id") { request, context in
            let identity = try context.requireIdentity()
            let id = try context.uuidParameter("id")
            let patch = try await request.decodeJSONObject(limit: maxBodySize)
            let user = try await service.updateProfile(userID: id, by: identity, patch: patch)
            return try Response.json(PrivateProfile(user: user, goals: try await service.goals(of: identity)))
        }
        group.post("goals") { request, context in
            let identity = try context.requireIdentity()
            let draft = try await request.decodeJSON(GoalDraft.self, limit: maxBodySize)
            return try Response.json(try await service.createGoal(draft, by: identity), status: .created)
        }
        group.get("goals") { _, context in
            var items: [GoalResponse] = []
            for goal in try await service.goals(of: try context.requireIdentity()) {
                items.append(try await response(goal))
            }
            return try Response.json(GoalList(items: items))
        }
        group.get("goals/:id") { _, context in
            let goal = try await service.goal(id: try context.uuidParameter("id"), of: try context.requireIdentity())
            return try Response.json(try await response(goal))
        }
        group.patch("goals/:id") { request, context in
            let identity = try context.requireIdentity()
            let id = try context.uuidParameter("id")
            let patch = try await request.decodeJSONObject(limit: maxBodySize)
            return try Response.json(try await service.updateGoal(id: id, by: identity, patch: patch))
        }
        group.delete("goals/:id") { _, context in
            try await service.deleteGoal(id: try context.uuidParameter("id"), by: try context.requireIdentity())
            return Response.empty()
        }
    }

    private func privateProfile(_ id: UUID) async throws -> Response {
        guard let user = try await service.user(id: id) else { throw Problem.notFound("No such user.") }
        return try Response.json(PrivateProfile(user: user, goals: try await service.goals(of: Identity(userID: id))))
    }
}

/// Everything about a user, for the user themself.
struct PrivateProfile: Encodable {
    var user: User
    var goals: [Goal]

    func encode(to encoder: any Encoder) throws {
        try user.encode(to: encoder)
        var container = encoder.container(keyedBy: GoalsKey.self)
        try container.encode(goals, forKey: .goals)
    }

    enum GoalsKey: String, CodingKey { case goals }
}

/// What anyone signed in may see of another user: no e-mail, birth date or body measures.
struct PublicProfile: Encodable {
    var id: UUID
    var name: String
    var createdAt: Date

    init(user: User) {
        self.id = user.id
        self.name = user.name
        self.createdAt = user.createdAt
    }
}
