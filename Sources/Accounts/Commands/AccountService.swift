import Analytics
import EventLog
import Foundation
import HTTPAPI
import Persistence
import Synchronization

/// The tokens handed to a client after registration, login or refresh.
public struct TokenPair: Codable, Sendable, Equatable {
    public var accessToken: String
    public var refreshToken: String
    public var tokenType = "Bearer"
    /// Seconds until the access token expires.
    public var expiresIn: Int
}

/// The write side of Accounts: every command validates, then changes state and appends its events
/// to the outbox in one transaction.
public final class AccountService: Sendable {
    let database: any Database
    let store: any AccountStore
    let outbox: Outbox
    let tokens: TokenService
    let hasher: PasswordHasher
    let accountLimiter: LoginRateLimiter
    let addressLimiter: LoginRateLimiter
    let now: @Sendable () -> Date
    let newID: @Sendable () -> UUID
    /// A hash checked when the e-mail is unknown, so a miss costs as long as a wrong password.
    private let decoyHash = Mutex<String?>(nil)

    public init(
        database: any Database, store: any AccountStore, outbox: Outbox, tokens: TokenService, hasher: PasswordHasher,
        configuration: AccountsConfiguration, now: @escaping @Sendable () -> Date = Date.init,
        newID: @escaping @Sendable () -> UUID = UUID.init
    ) {
        self.database = database
        self.store = store
        self.outbox = outbox
        self.tokens = tokens
        self.hasher = hasher
        self.accountLimiter = LoginRateLimiter(limit: configuration.loginLimitPerAccount)
        self.addressLimiter = LoginRateLimiter(limit: configuration.loginLimitPerAddress)
        self.now = now
        self.newID = newID
    }

    // MARK: Registration and sessions

    public func register(email: String, password: String, name: String) async throws -> (User, TokenPair) {
        var issues: [FieldIssue] = []
        let email = FieldRules.email(email, pointer: "#/email", issues: &issues)
        let name = FieldRules.name(name, pointer: "#/name", issues: &issues)
        Self.checkPassword(password, issues: &issues)
        guard issues.isEmpty else { throw AccountsError.validation(issues) }

        let hash = try await hasher.hash(password)
        let user = User(id: newID(), email: email, name: name, createdAt: now())
        let pair = try await database.transaction { session in
            try await self.store.insert(user, passwordHash: hash, in: session)
            return try await self.outbox.append([UserRegistered(userID: user.id, method: "password")], in: session) {
                try await self.issueTokens(userID: user.id, familyID: self.newID(), in: $0)
            }
        }
        return (user, pair)
    }

    /// Checks the password, counting attempts per account and per client address.
    public func login(email: String, password: String, address: String?) async throws -> (User, TokenPair) {
        let email = email.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        let addressKey = address ?? "unknown"
        let start = now()
        if let wait = [addressLimiter.retryAfter(addressKey, now: start), accountLimiter.retryAfter(email, now: start)]
            .compactMap({ $0 }).max()
        {
            throw AccountsError(.rateLimited, "Too many login attempts.", retryAfter: wait)
        }
        addressLimiter.record(addressKey, now: start)

        let found = try await database.read { session in try await self.store.user(email: email, in: session) }
        let hash: String
        if let stored = found?.passwordHash {
            hash = stored
        } else {
            hash = try await decoy()
        }
        guard try await hasher.verify(password, hash: hash), let user = found?.user, found?.passwordHash != nil else {
            accountLimiter.record(email, now: start)
            throw AccountsError(.invalidCredentials, "The e-mail or password is wrong.")
        }
        accountLimiter.reset(email)
        let pair = try await database.transaction { session in
            try await self.issueTokens(userID: user.id, familyID: self.newID(), in: session)
        }
        return (user, pair)
    }

    /// Rotates a refresh token. Presenting a token that was already rotated means it leaked (or was
    /// replayed): the whole family is revoked and the caller must log in again.
    public func refresh(refreshToken: String) async throws -> TokenPair {
        enum Outcome: Sendable {
            case rotated(TokenPair)
            case reused
            case invalid
        }
        let hash = TokenService.hash(refreshToken: refreshToken)
        let outcome: Outcome = try await database.transaction { session in
            let time = self.now()
            if let token = try await self.store.rotateRefreshToken(hash: hash, now: time, in: session) {
                return .rotated(try await self.issueTokens(userID: token.userID, familyID: token.familyID, in: session))
            }
            guard let token = try await self.store.refreshToken(hash: hash, in: session) else { return .invalid }
            if token.rotatedAt != nil {
                try await self.store.revokeRefreshTokenFamily(token.familyID, now: time, in: session)
                return .reused
            }
            return .invalid
        }
        switch outcome {
        case .rotated(let pair): return pair
        case .reused: throw AccountsError(.invalidToken, "The refresh token was already used; the session is revoked.")
        case .invalid: throw AccountsError(.invalidToken, "The refresh token is invalid, expired or revoked.")
        }
    }

    /// Revokes the session (token family) of a refresh token; unknown tokens are ignored.
    public func logout(refreshToken: String) async throws {
        let hash = TokenService.hash(refreshToken: refreshToken)
        try await database.transaction { session in
            if let token = try await self.store.refreshToken(hash: hash, in: session) {
                try await self.store.revokeRefreshTokenFamily(token.familyID, now: self.now(), in: session)
            }
        }
    }

    /// The local user for an external identity, created (and linked) on first sight.
    ///
    /// An existing account is linked only through an e-mail the issuer says it verified.
    public func user(forExternal claims: ExternalIdentityClaims) async throws -> UUID {
        let issuer = claims.iss.value
        let subject = claims.sub.value
        if let id = try await database.read({ try await self.store.userID(issuer: issuer, subject: subject, in: $0) }) {
            return id
        }
        do {
            return try await database.transaction { session in
                var issues: [FieldIssue] = []
                let email = claims.email.map { FieldRules.email($0, pointer: "#/email", issues: &issues) }
                let verifiedEmail = issues.isEmpty && claims.email_verified == true ? email : nil
                let time = self.now()
                if let verifiedEmail, let existing = try await self.store.user(email: verifiedEmail, in: session) {
                    try await self.store.linkExternalIdentity(
                        issuer: issuer, subject: subject, userID: existing.user.id, now: time, in: session)
                    return existing.user.id
                }
                var nameIssues: [FieldIssue] = []
                let name = FieldRules.name(claims.name ?? "", pointer: "#/name", issues: &nameIssues)
                let user = User(
                    id: self.newID(), email: verifiedEmail, name: nameIssues.isEmpty ? name : "Athlete", createdAt: time
                )
                try await self.store.insert(user, passwordHash: nil, in: session)
                try await self.outbox.append([UserRegistered(userID: user.id, method: issuer)], in: session) {
                    try await self.store.linkExternalIdentity(
                        issuer: issuer, subject: subject, userID: user.id, now: time, in: $0)
                }
                return user.id
            }
        } catch let error as DatabaseError where error.code == .uniqueViolation {
            // Another request linked the same identity first.
            if let id = try await database.read({
                try await self.store.userID(issuer: issuer, subject: subject, in: $0)
            }) {
                return id
            }
            throw error
        }
    }

    private func issueTokens(userID: UUID, familyID: UUID, in session: any DatabaseSession) async throws -> TokenPair {
        let time = now()
        let refresh = TokenService.newRefreshToken()
        try await store.insert(
            RefreshTokenRecord(
                tokenHash: refresh.hash, familyID: familyID, userID: userID, issuedAt: time,
                expiresAt: time.addingTimeInterval(tokens.refreshTokenLifetime)), in: session)
        return TokenPair(
            accessToken: try await tokens.accessToken(userID: userID, sessionID: familyID, now: time),
            refreshToken: refresh.token, expiresIn: Int(tokens.accessTokenLifetime))
    }

    private func decoy() async throws -> String {
        if let hash = decoyHash.withLock({ $0 }) { return hash }
        let hash = try await hasher.hash(UUID().uuidString)
        decoyHash.withLock { $0 = hash }
        return hash
    }

    /// bcrypt reads at most 72 bytes; longer passwords are refused rather than silently cut.
    static func checkPassword(_ password: String, issues: inout [FieldIssue]) {
        if password.count < 8 || password.utf8.count > 72 {
            issues.append(FieldIssue("#/password", "must be at least 8 characters and at most 72 bytes"))
        }
    }

    // MARK: Profiles

    public func user(id: UUID) async throws -> User? {
        try await database.read { try await self.store.user(id: id, in: $0) }
    }

    /// Applies a merge patch to the caller's own profile.
    public func updateProfile(userID: UUID, by identity: Identity, patch: [String: JSONValue]) async throws -> User {
        guard identity.userID == userID else {
            throw AccountsError(.forbidden, "Only the owner can change a profile.")
        }
        return try await database.transaction { session in
            guard var user = try await self.store.user(id: userID, in: session) else {
                throw AccountsError(.notFound, "No such user.")
            }
            let changed = try user.apply(patch: patch, now: self.now())
            if !changed.isEmpty {
                try await self.outbox.append([ProfileUpdated(userID: userID, changedFields: changed)], in: session) {
                    try await self.store.update(user, in: $0)
                }
            }
            return user
        }
    }

    // MARK: Goals

    public func createGoal(_ draft: GoalDraft, by identity: Identity) async throws -> Goal {
        let goal = try Goal(draft: draft, id: newID(), userID: identity.userID, now: now())
        try await database.transaction { session in
            try await self.outbox.append([GoalCreated(goal: goal)], in: session) {
                try await self.store.insert(goal, in: $0)
            }
        }
        return goal
    }

    public func goals(of identity: Identity) async throws -> [Goal] {
        try await database.read { try await self.store.goals(userID: identity.userID, in: $0) }
    }

    public func goal(id: UUID, of identity: Identity) async throws -> Goal {
        try await database.read { session in try await self.ownedGoal(id: id, identity: identity, in: session) }
    }

    public func updateGoal(id: UUID, by identity: Identity, patch: [String: JSONValue]) async throws -> Goal {
        try await database.transaction { session in
            var goal = try await self.ownedGoal(id: id, identity: identity, in: session)
            try goal.apply(patch: patch, now: self.now())
            try await self.outbox.append([GoalUpdated(goal: goal)], in: session) {
                try await self.store.update(goal, in: $0)
            }
            return goal
        }
    }

    public func deleteGoal(id: UUID, by identity: Identity) async throws {
        try await database.transaction { session in
            let goal = try await self.ownedGoal(id: id, identity: identity, in: session)
            try await self.outbox.append([GoalDeleted(goalID: goal.id, userID: goal.userID)], in: session) {
                try await self.store.deleteGoal(id: goal.id, in: $0)
            }
        }
    }

    /// Another user's goal is reported as missing, not forbidden, so ids cannot be probed.
    private func ownedGoal(id: UUID, identity: Identity, in session: any DatabaseSession) async throws -> Goal {
        guard let goal = try await store.goal(id: id, in: session), goal.userID == identity.userID else {
            throw AccountsError(.notFound, "No such goal.")
        }
        return goal
    }
}
