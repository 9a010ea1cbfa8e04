import App
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Persistence
import Testing

/// Builds the real application on a fresh database of `backend` and runs `body` against its router.
func withTestApp(
    _ backend: Backend, configure: (inout AppConfiguration) -> Void = { _ in },
    _ body: @escaping @Sendable (APIClient) async throws -> Void
) async throws {
    let (configuration, cleanup) = try await testConfiguration(backend, configure: configure)
    do {
        let (application, _) = try await buildApplication(configuration, logger: TestDatabase.logger)
        try await application.test(.router) { client in try await body(APIClient(client: client)) }
    } catch {
        await cleanup()
        throw error
    }
    await cleanup()
}

/// The configuration of a test server on a fresh database of `backend` (data in a temporary
/// directory, a fixed signing key, cheap bcrypt), and the clean-up that removes the database and
/// the data directory.
func testConfiguration(_ backend: Backend, configure: (inout AppConfiguration) -> Void) async throws -> (
    AppConfiguration, cleanup: @Sendable () async -> Void
) {
    let (database, cleanup) = try await TestDatabase.configuration(backend)
    var configuration = AppConfiguration(database: database)
    configuration.dataDirectory =
        FileManager.default.temporaryDirectory.appendingPathComponent("stamina-data-\(UUID())").path
    configuration.activities.fileDirectory = configuration.dataDirectory + "/files"
    configuration.jwtSecret = Array("test-signing-key-with-at-least-32-bytes".utf8)
    configuration.accounts.bcryptCost = 4
    configure(&configuration)
    let dataDirectory = configuration.dataDirectory
    return (
        configuration,
        {
            await cleanup()
            try? FileManager.default.removeItem(atPath: dataDirectory)
        }
    )
}

/// A thin JSON client over the router test client.
struct APIClient: Sendable {
    let client: any TestClientProtocol

    struct Reply: Sendable {
        var status: HTTPResponse.Status
        var headers: HTTPFields
        var body: ByteBuffer

        /// The body as a JSON object (empty when it is not one).
        var json: [String: any Sendable] {
            (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView))) as? [String: any Sendable] ?? [:]
        }

        subscript(_ key: String) -> String? { json[key] as? String }

        /// The JSON pointers named by a problem's `errors`.
        var pointers: [String] {
            (json["errors"] as? [[String: Any]] ?? []).compactMap { $0["pointer"] as? String }
        }
    }

    @discardableResult
    func send(
        _ method: HTTPRequest.Method, _ uri: String, token: String? = nil, json: String? = nil, bytes: [UInt8]? = nil,
        contentType: String = "application/json"
    ) async throws -> Reply {
        var headers: HTTPFields = [:]
        if let token { headers[.authorization] = "Bearer \(token)" }
        if json != nil || bytes != nil { headers[.contentType] = contentType }
        let body = json.map { ByteBuffer(string: $0) } ?? bytes.map { ByteBuffer(bytes: $0) }
        let response = try await client.execute(uri: uri, method: method, headers: headers, body: body)
        return Reply(status: response.status, headers: response.headers, body: response.body)
    }

    /// Registers a user and returns its access token, refresh token and id.
    func register(_ email: String, password: String = "correct horse", name: String = "Runner") async throws
        -> (token: String, refresh: String, id: String)
    {
        let reply = try await send(
            .post, "/api/v1/auth/register", json: #"{"email":"\#(email)","password":"\#(password)","name":"\#(name)"}"#)
        try #require(reply.status == .created, "register answered \(reply.status): \(String(buffer: reply.body))")
        let user = try #require(reply.json["user"] as? [String: Any])
        return (
            try #require(reply["accessToken"]), try #require(reply["refreshToken"]), try #require(user["id"] as? String)
        )
    }
}
