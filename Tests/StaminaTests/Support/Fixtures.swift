import Foundation

/// Real and synthetic activity files committed with the decoder tests.
enum Fixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("ActivityFilesTests/Fixtures")

    static func bytes(_ path: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: directory.appendingPathComponent(path).path) else {
            throw TestSetupError("missing fixture \(path)")
        }
        return Array(data)
    }
}

extension APIClient {
    /// Uploads `bytes` as multipart form data with the file in a part named `file`.
    func upload(
        _ bytes: [UInt8], fileName: String, token: String, fields: [String: String] = [:]
    ) async throws -> Reply {
        let boundary = "stamina-test-\(UUID().uuidString)"
        var body: [UInt8] = []
        for (name, value) in fields.sorted(by: { $0.key < $1.key }) {
            body += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8)
        }
        body += Array(
            "--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\(fileName)\"\r\nContent-Type: application/octet-stream\r\n\r\n"
                .utf8)
        body += bytes
        body += Array("\r\n--\(boundary)--\r\n".utf8)
        return try await send(
            .post, "/api/v1/activities", token: token, bytes: body,
            contentType: "multipart/form-data; boundary=\(boundary)")
    }
}
