import Accounts
import Analytics
import EventLog
import Foundation
import Persistence
import Testing

/// The contract of `AccountStore`, run against SQLite and PostgreSQL.
@Suite("AccountStore contract")
struct AccountStoreContractTests {
    let store = SQLAccountStore()
    let now = Date(timeIntervalSince1970: 1_790_000_000)

    func user(_ email: String) -> User {
        User(id: UUID(), email: email, name: "Test", createdAt: now)
    }

    /// `user` with every optional profile field and zone set.
    func complete(_ user: User) -> User {
        var user = user
        user.dob = "1990-04-01"
        user.height = 1.72
        user.weight = 61.5
        user.gender = .female
        user.unitSystem = .imperial
        user.timeZone = "Europe/Berlin"
        user.defaultVisibility = .private
        user.zones.maxHeartRate = 190
        user.zones.restingHeartRate = 48
        user.zones.thresholdHeartRate = 172
        user.zones.functionalThresholdPower = 250
        user.zones.thresholdSpeed = 4.2
        return user
    }

    @Test("a user round-trips with every field", arguments: Backend.allCases)
    func userRoundTrip(backend: Backend) async throws {
        try await TestDatabase.with(backend) { database in
            let stored = complete(user("ann@example.com"))
            try await database.transaction { try await store.insert(stored, passwordHash: "hash", in: $0) }
            let byID = try await database.read { try await store.user(id: stored.id, in: $0) }
            #expect(byID == stored)
            let byEmail = try await database.read { try await store.user(email: "ann@example.com", in: $0) }
            #expect(byEmail?.user == stored)
            #expect(byEmail?.passwordHash == "hash")
            #expect(try await database.read { try await store.user(id: UUID(), in: $0) } == nil)
        }
    }

    @Test("an update writes every field, set or cleared, again and again", arguments: Backend.allCases)
    func userUpdate(backend: Backend) async throws {
        try await TestDatabase.with(backend) { database in
            let bare = user("bea@example.com")
            try await database.transaction { try await store.insert(bare, passwordHash: nil, in: $0) }
            var full = complete(bare)
            full.updatedAt = full.createdAt.addingTimeInterval(60)
            // Cleared (as inserted), set, cleared, set: the statement, prepared on PostgreSQL by its
            // first run, gets NULLs first and values after (a bigint for an INTEGER column failed so).
            for expected in [bare, full, bare, full] {
                try await database.transaction { try await store.update(expected, in: $0) }
                #expect(try await database.read { try await store.user(id: bare.id, in: $0) } == expected)
            }
        }
    }

    @Test("a second account with the same e-mail is refused", arguments: Backend.allCases)
    func duplicateEmail(backend: Backend) async throws {
        try await TestDatabase.with(backend) { database in
            let first = user("dup@example.com")
            let second = user("dup@example.com")
            try await database.transaction { try await store.insert(first, passwordHash: nil, in: $0) }
            await #expect(throws: AccountsError.self) {
                try await database.transaction { try await store.insert(second, passwordHash: "x", in: $0) }
            }
            // Nothing of the failed insert remains.
            #expect(try await database.read { try await store.user(id: second.id, in: $0) } == nil)
        }
    }

    @Test("a refresh token rotates exactly once and its family can be revoked", arguments: Backend.allCases)
    func refreshTokenRotation(backend: Backend) async throws {
        try await TestDatabase.with(backend) { database in
            let owner = user("rot@example.com")
            let family = UUID()
            let token = RefreshTokenRecord(
                tokenHash: "h1", familyID: family, userID: owner.id, issuedAt: now,
                expiresAt: now.addingTimeInterval(60))
            let sibling = RefreshTokenRecord(
                tokenHash: "h2", familyID: family, userID: owner.id, issuedAt: now,
                expiresAt: now.addingTimeInterval(60))
            try await database.transaction { session in
                try await store.insert(owner, passwordHash: nil, in: session)
                try await store.insert(token, in: session)
                try await store.insert(sibling, in: session)
            }
            let later = now.addingTimeInterval(1)
            let rotated = try await database.transaction {
                try await store.rotateRefreshToken(hash: "h1", now: later, in: $0)
            }
            #expect(rotated?.familyID == family)
            #expect(
                try await database.transaction { try await store.rotateRefreshToken(hash: "h1", now: later, in: $0) }
                    == nil)
            // An expired token does not rotate.
            let tooLate = now.addingTimeInterval(120)
            #expect(
                try await database.transaction { try await store.rotateRefreshToken(hash: "h2", now: tooLate, in: $0) }
                    == nil)
            try await database.transaction { try await store.revokeRefreshTokenFamily(family, now: later, in: $0) }
            let revoked = try await database.read { try await store.refreshToken(hash: "h2", in: $0) }
            #expect(revoked?.revokedAt != nil)
            #expect(
                try await database.transaction { try await store.rotateRefreshToken(hash: "h2", now: later, in: $0) }
                    == nil)
        }
    }

    @Test("external identities map to one user", arguments: Backend.allCases)
    func externalIdentity(backend: Backend) async throws {
        try await TestDatabase.with(backend) { database in
            let owner = user("ext@example.com")
            try await database.transaction { session in
                try await store.insert(owner, passwordHash: nil, in: session)
                try await store.linkExternalIdentity(
                    issuer: "https://idp", subject: "abc", userID: owner.id, now: now, in: session)
            }
            #expect(
                try await database.read { try await store.userID(issuer: "https://idp", subject: "abc", in: $0) }
                    == owner.id)
            #expect(
                try await database.read { try await store.userID(issuer: "https://other", subject: "abc", in: $0) }
                    == nil)
        }
    }

    @Test("goals are created, listed in order, updated and deleted", arguments: Backend.allCases)
    func goals(backend: Backend) async throws {
        try await TestDatabase.with(backend) { database in
            let owner = user("goals@example.com")
            let first = Goal(
                id: UUID(), userID: owner.id, type: .distance, period: .week, sport: .running, target: 40_000,
                startDate: nil, endDate: nil, name: "Base", createdAt: now, updatedAt: now)
            var second = Goal(
                id: UUID(), userID: owner.id, type: .bodyWeight, period: .custom, sport: nil, target: 70,
                startDate: "2026-01-01", endDate: "2026-06-30", name: nil, createdAt: now.addingTimeInterval(1),
                updatedAt: now.addingTimeInterval(1))
            let stored = second
            try await database.transaction { session in
                try await store.insert(owner, passwordHash: nil, in: session)
                try await store.insert(first, in: session)
                try await store.insert(stored, in: session)
            }
            #expect(try await database.read { try await store.goals(userID: owner.id, in: $0) } == [first, second])
            second.target = 68
            let changed = second
            try await database.transaction { try await store.update(changed, in: $0) }
            #expect(try await database.read { try await store.goal(id: changed.id, in: $0) } == changed)
            try await database.transaction { try await store.deleteGoal(id: first.id, in: $0) }
            #expect(try await database.read { try await store.goals(userID: owner.id, in: $0) } == [changed])
        }
    }
}
