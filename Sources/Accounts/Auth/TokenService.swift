import Crypto
import Foundation
import HTTPAPI
import JWTKit

/// Issues and verifies Stamina's own tokens: short-lived HS256 access JWTs and opaque refresh
/// tokens. Verifying an access token is pure computation: it never touches the database.
public struct TokenService: Sendable {
    private let keys: JWTKeyCollection
    public let accessTokenLifetime: TimeInterval
    public let refreshTokenLifetime: TimeInterval

    public init(signingKey: [UInt8], accessTokenLifetime: TimeInterval, refreshTokenLifetime: TimeInterval) async {
        self.keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: signingKey), digestAlgorithm: .sha256)
        self.accessTokenLifetime = accessTokenLifetime
        self.refreshTokenLifetime = refreshTokenLifetime
    }

    public func accessToken(userID: UUID, sessionID: UUID, now: Date) async throws -> String {
        let claims = AccessTokenClaims(
            sub: .init(value: userID.uuidString.lowercased()), iss: .init(value: AccessTokenClaims.issuer),
            iat: .init(value: now), exp: .init(value: now.addingTimeInterval(accessTokenLifetime)),
            sid: sessionID.uuidString.lowercased())
        return try await keys.sign(claims)
    }

    /// The identity of a valid access token; `invalidToken` otherwise.
    public func verify(accessToken token: String) async throws(AccountsError) -> Identity {
        do {
            let claims = try await keys.verify(token, as: AccessTokenClaims.self)
            guard let userID = UUID(uuidString: claims.sub.value) else {
                throw AccountsError(.invalidToken, "bad subject")
            }
            return Identity(userID: userID, expiresAt: claims.exp.value)
        } catch {
            throw AccountsError(.invalidToken, "The access token is invalid or expired.")
        }
    }

    /// A new random refresh token (256 bits, URL-safe) and the hash under which it is stored.
    public static func newRefreshToken() -> (token: String, hash: String) {
        let bytes = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }
        let token = Base64URL.encode(bytes)
        return (token, hash(refreshToken: token))
    }

    public static func hash(refreshToken token: String) -> String {
        SHA256.hash(data: Data(token.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// Reads the `iss` claim without verifying anything, to route a token to its verifier.
    public static func unverifiedIssuer(of token: String) -> String? {
        let parts = token.split(separator: ".")
        guard parts.count == 3 else { return nil }
        guard let data = Base64URL.decode(parts[1]),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { return nil }
        return object["iss"] as? String
    }
}
