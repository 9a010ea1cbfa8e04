import Accounts
import App
import Crypto
import Foundation
import Hummingbird
import JWTKit
import NIOCore
import Testing

/// External OpenID Connect tokens, signed with keys the test generates and publishes as a JWKS.
@Suite("External identity (OIDC)")
struct OIDCTests {
    static let issuer = "https://idp.example.test/"
    static let audience = "stamina-app"

    /// An identity provider: an ES256 key pair with a `kid`, and its JWKS document.
    struct Provider {
        let keys = JWTKeyCollection()
        let jwks: String

        init(kid: String) async throws {
            let key = try ES256PrivateKey(backing: P256.Signing.PrivateKey())
            let parameters = try #require(key.parameters)
            jwks =
                #"{"keys":[{"kty":"EC","crv":"P-256","alg":"ES256","use":"sig","kid":"\#(kid)","x":"\#(parameters.x)","y":"\#(parameters.y)"}]}"#
            await keys.add(ecdsa: key, kid: JWKIdentifier(string: kid))
        }

        func token(
            subject: String, email: String? = nil, verified: Bool = true, audience: String = OIDCTests.audience,
            expires: Date = Date().addingTimeInterval(300), issuer: String = OIDCTests.issuer
        ) async throws -> String {
            try await keys.sign(
                ExternalIdentityClaims(
                    iss: .init(value: issuer), sub: .init(value: subject), exp: .init(value: expires),
                    aud: .init(value: [audience]), email: email, email_verified: verified, name: "Ext User"))
        }
    }

    func configure(jwksFile: String? = nil, jwksURL: String? = nil) -> (inout AppConfiguration) -> Void {
        { configuration in
            configuration.accounts.oidc = OIDCConfiguration(
                issuer: Self.issuer, jwksURL: jwksURL, jwksFile: jwksFile, audience: Self.audience)
        }
    }

    @Test("tokens from the configured issuer map to one local user; bad ones are refused", arguments: Backend.allCases)
    func externalTokens(backend: Backend) async throws {
        let provider = try await Provider(kid: "key-1")
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("jwks-\(UUID()).json").path
        try provider.jwks.write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let good = try await provider.token(subject: "auth0|123", email: "Ext@Example.com")
        let wrongAudience = try await provider.token(subject: "auth0|123", audience: "someone-else")
        let expired = try await provider.token(subject: "auth0|123", expires: Date().addingTimeInterval(-60))
        let forged = try await Provider(kid: "key-1").token(subject: "auth0|123")
        let linking = try await provider.token(subject: "auth0|bob", email: "bob@example.com")
        let unverified = try await provider.token(subject: "auth0|eve", email: "bob@example.com", verified: false)

        try await withTestApp(backend, configure: configure(jwksFile: file)) { api in
            let first = try await api.send(.get, "/api/v1/users/me", token: good)
            #expect(first.status == .ok)
            #expect(first["email"] == "ext@example.com")
            #expect(first["name"] == "Ext User")
            let again = try await api.send(.get, "/api/v1/users/me", token: good)
            #expect(again["id"] == first["id"])
            for token in [wrongAudience, expired, forged] {
                #expect(try await api.send(.get, "/api/v1/users/me", token: token).status == .unauthorized)
            }
            // A verified e-mail links to the existing local account; an unverified one does not.
            let bob = try await api.register("bob@example.com")
            #expect(try await api.send(.get, "/api/v1/users/me", token: linking)["id"] == bob.id)
            let eve = try await api.send(.get, "/api/v1/users/me", token: unverified)
            #expect(eve.status == .ok)
            #expect(eve["id"] != bob.id)
            #expect(eve["email"] == nil)
        }
    }

    @Test("keys are fetched from a JWKS URL")
    func jwksFromURL() async throws {
        let provider = try await Provider(kid: "url-key")
        let router = Router()
        router.get("jwks.json") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: provider.jwks)))
        }
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let server = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { continuation.yield($0.localAddress?.port ?? 0) })
        let token = try await provider.token(subject: "kc|42", email: "url@example.com")
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.run() }
            var iterator = ports.makeAsyncIterator()
            let port = try #require(await iterator.next())
            try await withTestApp(.sqlite, configure: configure(jwksURL: "http://127.0.0.1:\(port)/jwks.json")) { api in
                let me = try await api.send(.get, "/api/v1/users/me", token: token)
                #expect(me.status == .ok)
                #expect(me["email"] == "url@example.com")
            }
            group.cancelAll()
        }
    }
}
