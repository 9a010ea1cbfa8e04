import Foundation
import HTTPAPI
import Synchronization

/// Verifies bearer tokens: Stamina's own access tokens, and, when configured, an external OpenID
/// Connect issuer's tokens, mapped to a local user on first sight and cached afterwards.
public final class BearerTokenVerifier: AccessTokenVerifier {
    let tokens: TokenService
    let oidc: OIDCVerifier?
    let accounts: AccountService
    /// External (issuer, subject) → local user, so known identities need no database lookup.
    private let externalUsers = Mutex<[String: UUID]>([:])

    public init(tokens: TokenService, oidc: OIDCVerifier?, accounts: AccountService) {
        self.tokens = tokens
        self.oidc = oidc
        self.accounts = accounts
    }

    public func verify(_ token: String) async throws -> Identity {
        guard let oidc, TokenService.unverifiedIssuer(of: token) == oidc.configuration.issuer else {
            return try await tokens.verify(accessToken: token)
        }
        let claims = try await oidc.verify(token)
        let key = claims.iss.value + "\u{0}" + claims.sub.value
        if let userID = externalUsers.withLock({ $0[key] }) {
            return Identity(userID: userID, expiresAt: claims.exp.value)
        }
        let userID = try await accounts.user(forExternal: claims)
        externalUsers.withLock { $0[key] = userID }
        return Identity(userID: userID, expiresAt: claims.exp.value)
    }
}
