import Crypto
import Foundation

/// Keeps original uploaded files, content-addressed by SHA-256.
///
/// The local implementation writes under the data directory; an S3-compatible one can stand behind
/// the same protocol later.
public protocol FileStore: Sendable {
    /// Stores `bytes` under `hash`, their SHA-256 as `hash(_:)` computes it (idempotent: the same
    /// content is stored once). The caller hashes once, for deduplication and for the store.
    func put(_ bytes: [UInt8], hash: String) async throws
    func get(_ hash: String) async throws -> [UInt8]?
    func delete(_ hash: String) async throws
}

extension FileStore {
    /// The lowercase hex SHA-256 of `bytes`.
    public static func hash(_ bytes: [UInt8]) -> String {
        SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
    }
}

/// Files under `<directory>/ab/abcdef…`, written to a temporary name and renamed into place.
public struct LocalFileStore: FileStore {
    let directory: URL

    public init(directory: String) {
        self.directory = URL(fileURLWithPath: directory)
    }

    func url(_ hash: String) -> URL? {
        guard hash.count == 64, hash.allSatisfy(\.isHexDigit) else { return nil }
        return directory.appendingPathComponent(String(hash.prefix(2))).appendingPathComponent(hash)
    }

    public func put(_ bytes: [UInt8], hash: String) async throws {
        guard let url = url(hash) else { throw CocoaError(.fileWriteInvalidFileName) }
        if FileManager.default.fileExists(atPath: url.path) { return }
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(hash).\(UUID().uuidString)")
        try Self.write(bytes, to: temporary.path)
        if (try? FileManager.default.moveItem(at: temporary, to: url)) == nil {
            // Another upload of the same content won the race; its copy is identical.
            try? FileManager.default.removeItem(at: temporary)
        }
    }

    /// Writes `bytes` to a new file at `path` straight from the array (no `Data` copy of a file
    /// that may be megabytes).
    static func write(_ bytes: [UInt8], to path: String) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        defer { close(descriptor) }
        try bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = Foundation.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
                }
                offset += written
            }
        }
    }

    public func get(_ hash: String) async throws -> [UInt8]? {
        guard let url = url(hash), let data = FileManager.default.contents(atPath: url.path) else { return nil }
        return Array(data)
    }

    public func delete(_ hash: String) async throws {
        guard let url = url(hash) else { return }
        try? FileManager.default.removeItem(at: url)
    }
}
