import Foundation
import HTTPAPI
import Hummingbird
import HummingbirdWebSocket
import Logging
import Metrics
import NIOCore

/// The request context of WebSocket upgrades (the router that decides them is separate from the
/// REST router, as HummingbirdWebSocket recommends).
public struct LiveSocketContext: RequestContext, WebSocketRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let webSocket: WebSocketHandlerReference<LiveSocketContext>
    /// The connection's channel: a device connection puts its handler in the pipeline once upgraded.
    public let channel: any Channel

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        webSocket = .init()
        channel = source.channel
    }
}

/// The live-tracking surface: the device and spectator WebSockets, and their REST companions
/// (`GET /users/{id}/live`, share links). See `docs/live-protocol.md`.
public struct LiveRoutes: Sendable {
    let service: LiveService
    let verifier: any AccessTokenVerifier
    let configuration: LiveConfiguration

    public init(service: LiveService, verifier: any AccessTokenVerifier, configuration: LiveConfiguration) {
        self.service = service
        self.verifier = verifier
        self.configuration = configuration
    }

    static let devicePath = "api/v1/realtime/activity-stream"
    static let spectatorPath = "api/v1/realtime/live/:sessionId"

    /// The upgrades. A refused upgrade falls through to the REST router, which answers the same
    /// request with its problem (401, 404, or 426 for a plain GET).
    public func addWebSocketRoutes(to router: Router<LiveSocketContext>) {
        router.ws(
            RouterPath(Self.devicePath),
            shouldUpgrade: { request, _ in
                _ = try await identity(of: request, required: true)
                return .upgrade([:])
            },
            onUpgrade: { inbound, outbound, context in
                guard let identity = try? await identity(of: context.request, required: true),
                    let connection = try? await DeviceConnection.install(
                        on: context.requestContext.channel, service: service, identity: identity, outbound: outbound,
                        configuration: configuration)
                else { return }
                let connected = Meter(label: "stamina_live_devices")
                connected.increment()
                defer { connected.decrement() }
                // The stream still answers pings and runs the close; its data frames are those read
                // before the connection's handler was in place, then the handover token.
                do {
                    for try await message in inbound.messages(maxSize: configuration.maxFrameSize) {
                        connection.received(message)
                    }
                } catch {}
            })
        router.ws(
            RouterPath(Self.spectatorPath),
            shouldUpgrade: { request, context in
                _ = try await authorize(request, sessionID: context.parameters.get("sessionId"))
                return .upgrade([:])
            },
            onUpgrade: { inbound, outbound, context in
                let parameter = context.requestContext.parameters.get("sessionId")
                guard let (session, shareID) = try? await authorize(context.request, sessionID: parameter) else {
                    return
                }
                let spectator = SpectatorConnection(
                    service: service, session: session, shareID: shareID, outbound: outbound,
                    channel: context.requestContext.channel, logger: context.logger)
                await spectator.run(inbound: inbound)
            })
    }

    /// REST routes under `/api/v1`; `authenticated` requires a bearer token, `public` does not
    /// (the WebSocket paths check tokens themselves: a spectator may hold a share link instead).
    public func addRoutes(public group: RouterGroup<APIRequestContext>, authenticated: RouterGroup<APIRequestContext>) {
        group.get("realtime/activity-stream") { request, _ -> Response in
            _ = try await identity(of: request, required: true)
            throw Self.upgradeRequired
        }
        group.get("realtime/live/:sessionId") { request, context -> Response in
            _ = try await authorize(request, sessionID: context.parameters.get("sessionId"))
            throw Self.upgradeRequired
        }
        authenticated.get("users/:id/live") { _, context in
            let sessions = try await service.liveSessions(
                of: try context.uuidParameter("id"), viewer: try context.requireIdentity())
            return try Response.json(LiveStatus(live: !sessions.isEmpty, sessions: sessions))
        }
        authenticated.post("realtime/sessions/:sessionId/shares") { _, context in
            let sessionID = try context.uuidParameter("sessionId")
            let (share, token) = try await service.createShare(sessionID: sessionID, by: try context.requireIdentity())
            let url =
                "\(configuration.publicBaseURL)/api/v1/realtime/live/\(sessionID.uuidString.lowercased())?share=\(token)"
            return try Response.json(
                ShareResponse(share, token: token, url: url), status: .created,
                headers: [.location: "/api/v1/realtime/sessions/\(sessionID.uuidString.lowercased())/shares"])
        }
        authenticated.get("realtime/sessions/:sessionId/shares") { _, context in
            let shares = try await service.shares(
                sessionID: try context.uuidParameter("sessionId"), by: try context.requireIdentity())
            return try Response.json(ShareList(items: shares.map { ShareResponse($0) }))
        }
        authenticated.delete("realtime/sessions/:sessionId/shares/:shareId") { _, context in
            try await service.revokeShare(
                try context.uuidParameter("shareId"), sessionID: try context.uuidParameter("sessionId"),
                by: try context.requireIdentity())
            return Response(status: .noContent)
        }
    }

    static let upgradeRequired = Problem(
        .upgradeRequired, type: "upgrade-required", title: "Upgrade required",
        detail: "This is a WebSocket endpoint: send Upgrade: websocket (see docs/live-protocol.md).",
        headers: [.upgrade: "websocket", .connection: "Upgrade"])

    /// The bearer token of `Authorization` or of `?access_token=` (browsers cannot set headers on
    /// WebSockets). Without either: nil, or 401 when `required`.
    func identity(of request: Request, required: Bool) async throws -> Identity? {
        var token = request.uri.queryParameters.get("access_token")
        if let header = request.headers[.authorization], header.lowercased().hasPrefix("bearer ") {
            token = header.dropFirst("bearer ".count).trimmingCharacters(in: .whitespaces)
        }
        guard let token else {
            if required { throw Problem.unauthorized("A bearer token is required.") }
            return nil
        }
        return try await verifier.verify(token)
    }

    func authorize(_ request: Request, sessionID parameter: String?) async throws -> (LiveSession, UUID?) {
        guard let parameter, let sessionID = UUID(uuidString: parameter) else {
            throw Problem.notFound("No such live session.")
        }
        let share: String? = request.uri.queryParameters.get("share")
        let identity = try await identity(of: request, required: share == nil)
        return try await service.authorize(
            sessionID: sessionID, viewer: LiveService.Viewer(identity: identity, shareToken: share))
    }
}

struct LiveStatus: Encodable {
    var live: Bool
    var sessions: [LiveSessionSummary]
}

struct ShareResponse: Encodable {
    var id: UUID
    var sessionId: UUID
    var createdAt: Date
    var revokedAt: Date?
    var token: String?
    var url: String?

    init(_ share: LiveShare, token: String? = nil, url: String? = nil) {
        id = share.id
        sessionId = share.sessionID
        createdAt = share.createdAt
        revokedAt = share.revokedAt
        self.token = token
        self.url = url
    }
}

struct ShareList: Encodable {
    var items: [ShareResponse]
}
