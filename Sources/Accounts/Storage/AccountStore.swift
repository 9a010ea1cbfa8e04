import Foundation
import Persistence

/// A stored refresh token; the token itself is never stored, only its SHA-256 hash.
public struct RefreshTokenRecord: Sendable, Equatable {
    public var tokenHash: String
    /// All tokens rotated from one login share a family; reuse of a rotated token revokes it.
    public var familyID: UUID
    public var userID: UUID
    public var issuedAt: Date
    public var expiresAt: Date
    public var rotatedAt: Date?
    public var revokedAt: Date?

    public init(tokenHash: String, familyID: UUID, userID: UUID, issuedAt: Date, expiresAt: Date) {
        self.tokenHash = tokenHash
        self.familyID = familyID
        self.userID = userID
        self.issuedAt = issuedAt
        self.expiresAt = expiresAt
    }
}

/// Storage of users, credentials, refresh tokens, external identities and goals.
///
/// Every method runs on the session it is given, so a service can put several of them and the
/// outbox append in one transaction.
public protocol AccountStore: Sendable {
    /// Inserts a user; throws `AccountsError.emailTaken` when the e-mail is in use.
    func insert(_ user: User, passwordHash: String?, in session: any DatabaseSession) async throws
    func user(id: UUID, in session: any DatabaseSession) async throws -> User?
    /// The user with this (lowercased) e-mail and their password hash, if they have one.
    func user(email: String, in session: any DatabaseSession) async throws -> (user: User, passwordHash: String?)?
    /// Replaces the stored profile; throws `AccountsError.emailTaken` on a duplicate e-mail.
    func update(_ user: User, in session: any DatabaseSession) async throws

    func insert(_ token: RefreshTokenRecord, in session: any DatabaseSession) async throws
    func refreshToken(hash: String, in session: any DatabaseSession) async throws -> RefreshTokenRecord?
    /// Marks a live token rotated, atomically: returns it only if it was live (not rotated, not
    /// revoked, not expired at `now`), so one token can be rotated once even under races.
    func rotateRefreshToken(hash: String, now: Date, in session: any DatabaseSession) async throws
        -> RefreshTokenRecord?
    func revokeRefreshTokenFamily(_ familyID: UUID, now: Date, in session: any DatabaseSession) async throws

    func userID(issuer: String, subject: String, in session: any DatabaseSession) async throws -> UUID?
    func linkExternalIdentity(issuer: String, subject: String, userID: UUID, now: Date, in session: any DatabaseSession)
        async throws

    func insert(_ goal: Goal, in session: any DatabaseSession) async throws
    func goal(id: UUID, in session: any DatabaseSession) async throws -> Goal?
    func goals(userID: UUID, in session: any DatabaseSession) async throws -> [Goal]
    func update(_ goal: Goal, in session: any DatabaseSession) async throws
    func deleteGoal(id: UUID, in session: any DatabaseSession) async throws
}
