import AsyncHTTPClient
import Foundation
import JWTKit
import NIOCore

/// Where to find an external OpenID Connect issuer's signing keys.
public struct OIDCConfiguration: Sendable, Equatable {
    /// The `iss` claim of the issuer's tokens, e.g. `https://example.eu.auth0.com/`.
    public var issuer: String
    /// A JWKS document URL (`…/.well-known/jwks.json`), fetched at start and when a key is unknown.
    public var jwksURL: String?
    /// A JWKS document on disk, for issuers whose keys are provisioned by hand.
    public var jwksFile: String?
    /// When set, tokens must name this audience (`aud`).
    public var audience: String?

    public init(issuer: String, jwksURL: String? = nil, jwksFile: String? = nil, audience: String? = nil) {
        self.issuer = issuer
        self.jwksURL = jwksURL
        self.jwksFile = jwksFile
        self.audience = audience
    }
}

/// The claims Stamina reads from an external identity token.
public struct ExternalIdentityClaims: JWTPayload {
    public var iss: IssuerClaim
    public var sub: SubjectClaim
    public var exp: ExpirationClaim
    public var aud: AudienceClaim?
    public var email: String?
    public var email_verified: Bool?
    public var name: String?

    public init(
        iss: IssuerClaim, sub: SubjectClaim, exp: ExpirationClaim, aud: AudienceClaim? = nil, email: String? = nil,
        email_verified: Bool? = nil, name: String? = nil
    ) {
        self.iss = iss
        self.sub = sub
        self.exp = exp
        self.aud = aud
        self.email = email
        self.email_verified = email_verified
        self.name = name
    }

    public func verify(using algorithm: some JWTAlgorithm) async throws {
        try exp.verifyNotExpired()
    }
}

/// Verifies tokens of one external issuer against its JWKS (RS256/ES256/EdDSA keys).
public actor OIDCVerifier {
    public let configuration: OIDCConfiguration
    private var keys = JWTKeyCollection()
    private var fetchedAt: Date?
    /// Minimum time between two JWKS downloads, so forged `kid`s cannot make us hammer the issuer.
    private let refetchInterval: TimeInterval = 60

    public init(configuration: OIDCConfiguration) {
        self.configuration = configuration
    }

    /// Loads the keys; call at start-up so a misconfiguration fails early.
    public func loadKeys() async throws {
        let json: String
        if let path = configuration.jwksFile {
            json = try String(contentsOfFile: path, encoding: .utf8)
        } else if let url = configuration.jwksURL {
            var request = HTTPClientRequest(url: url)
            request.headers.add(name: "Accept", value: "application/json")
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
            guard response.status == .ok else {
                throw AccountsError(.invalidToken, "JWKS download from \(url) answered \(response.status.code)")
            }
            json = String(buffer: try await response.body.collect(upTo: 1 << 20))
        } else {
            throw AccountsError(.invalidToken, "OIDC is configured without a JWKS URL or file")
        }
        let fresh = JWTKeyCollection()
        try await fresh.add(jwksJSON: json)
        keys = fresh
        fetchedAt = Date()
    }

    /// The verified claims of `token`; `invalidToken` when the signature, issuer, audience or
    /// expiry is wrong.
    public func verify(_ token: String) async throws(AccountsError) -> ExternalIdentityClaims {
        do {
            let claims: ExternalIdentityClaims
            do {
                claims = try await keys.verify(token, as: ExternalIdentityClaims.self)
            } catch {
                // The issuer may have rotated its keys: reload once, then retry.
                guard configuration.jwksURL != nil,
                    Date().timeIntervalSince(fetchedAt ?? .distantPast) > refetchInterval
                else { throw error }
                try await loadKeys()
                claims = try await keys.verify(token, as: ExternalIdentityClaims.self)
            }
            guard claims.iss.value == configuration.issuer else {
                throw AccountsError(.invalidToken, "The token is from another issuer.")
            }
            if let audience = configuration.audience, !(claims.aud?.value.contains(audience) ?? false) {
                throw AccountsError(.invalidToken, "The token is not meant for this audience.")
            }
            return claims
        } catch let error as AccountsError {
            throw error
        } catch {
            throw AccountsError(.invalidToken, "The external token is invalid or expired.")
        }
    }
}
