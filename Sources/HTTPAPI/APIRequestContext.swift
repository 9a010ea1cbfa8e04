import Foundation
import Hummingbird
import Logging
import NIOCore

/// Who is making a request, as established by a verified bearer token.
public struct Identity: Sendable, Equatable {
    public var userID: UUID
    /// When the token that established this identity expires, if it says (long-lived WebSocket
    /// streams end then).
    public var expiresAt: Date?

    public init(userID: UUID, expiresAt: Date? = nil) {
        self.userID = userID
        self.expiresAt = expiresAt
    }
}

/// The request context of every route: the peer address (for rate limits) and the identity once
/// the bearer token has been verified.
public struct APIRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The peer's IP address, or `nil` when there is no socket (router tests).
    public let remoteAddress: String?
    public var identity: Identity?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress?.ipAddress
        self.identity = nil
    }

    /// Bodies are collected by `Request.decodeJSON` under the configured limit, not here.
    public var maxUploadSize: Int { .max }

    /// The verified identity, or a 401 problem.
    public func requireIdentity() throws -> Identity {
        guard let identity else { throw Problem.unauthorized("A valid bearer token is required.") }
        return identity
    }
}

/// Verifies an access token without touching the database.
public protocol AccessTokenVerifier: Sendable {
    func verify(_ token: String) async throws -> Identity
}

/// Requires a valid `Authorization: Bearer …` token on every route below it.
public struct BearerAuthenticationMiddleware: RouterMiddleware {
    public typealias Context = APIRequestContext
    let verifier: any AccessTokenVerifier

    public init(verifier: any AccessTokenVerifier) {
        self.verifier = verifier
    }

    public func handle(
        _ request: Request, context: APIRequestContext, next: (Request, APIRequestContext) async throws -> Response
    ) async throws -> Response {
        guard let header = request.headers[.authorization], header.lowercased().hasPrefix("bearer ") else {
            throw Problem.unauthorized("A bearer token is required.")
        }
        let token = header.dropFirst("bearer ".count).trimmingCharacters(in: .whitespaces)
        var context = context
        context.identity = try await verifier.verify(token)
        return try await next(request, context)
    }
}
