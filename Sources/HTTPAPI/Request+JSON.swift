import CivilTime
import Foundation
import Hummingbird
import NIOCore

extension Request {
    /// Collects the body (at most `limit` bytes, else 413) and decodes it as JSON.
    ///
    /// A missing or non-JSON content type is 415, malformed JSON 400, and a body of the wrong shape
    /// (missing field, wrong type, unknown enum value) 422 naming the field.
    public func decodeJSON<T: Decodable>(_ type: T.Type, limit: Int) async throws -> T {
        let data = try await jsonBody(limit: limit)
        if Self.containsEscapedNUL(data) {
            throw Problem.validation(pointer: "#", "Strings must not contain the NUL character (\\u0000).")
        }
        do {
            return try JSONCoding.decoder.decode(T.self, from: data)
        } catch let error as DecodingError {
            throw Self.problem(for: error)
        }
    }

    /// Collects the body and returns it as a JSON object, for merge-patch requests.
    public func decodeJSONObject(limit: Int) async throws -> [String: JSONValue] {
        guard case .object(let object) = try await decodeJSON(JSONValue.self, limit: limit) else {
            throw Problem.validation(pointer: "#", "The body must be a JSON object.")
        }
        return object
    }

    private func jsonBody(limit: Int) async throws -> Data {
        let contentType = headers[.contentType]?.lowercased() ?? ""
        guard contentType.hasPrefix("application/json") || contentType.hasPrefix("application/merge-patch+json")
        else {
            throw Problem.unsupportedMediaType("Send the body as application/json.")
        }
        if let length = headers[.contentLength].flatMap(Int.init), length > limit {
            throw Problem.contentTooLarge(limit: limit)
        }
        let buffer: ByteBuffer
        do {
            buffer = try await body.collect(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw Problem.contentTooLarge(limit: limit)
        }
        return Data(buffer.readableBytesView)
    }

    /// Whether a JSON text contains the escape `\u0000` (not itself escaped). No database can store
    /// NUL in text, so such strings are refused up front for every endpoint.
    static func containsEscapedNUL(_ data: Data) -> Bool {
        let pattern = Array("u0000".utf8)
        return data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) -> Bool in
            var index = 0
            while index + 5 < bytes.count {
                if bytes[index] == UInt8(ascii: "\\") {
                    if bytes[index + 1] == UInt8(ascii: "u"),
                        (0..<5).allSatisfy({ bytes[index + 1 + $0] | 0x20 == pattern[$0] | 0x20 })
                    {
                        return true
                    }
                    index += 2  // skip the escaped character, so "\\u0000" is not a match
                } else {
                    index += 1
                }
            }
            return false
        }
    }

    static func problem(for error: DecodingError) -> Problem {
        switch error {
        case .dataCorrupted(let context) where context.codingPath.isEmpty:
            return .malformedJSON("The body is not valid JSON.")
        case .dataCorrupted(let context):
            // Foundation words an unknown enum value "Cannot initialize X from invalid String value y".
            let detail =
                context.debugDescription.hasPrefix("Cannot initialize")
                ? "is not an accepted value" : context.debugDescription
            return .validation(pointer: pointer(context.codingPath), detail)
        case .keyNotFound(let key, let context):
            return .validation(pointer: pointer(context.codingPath + [key]), "is required")
        case .valueNotFound(_, let context):
            return .validation(pointer: pointer(context.codingPath), "must not be null")
        case .typeMismatch(let type, let context):
            return .validation(pointer: pointer(context.codingPath), "must be \(JSONCoding.typeName(type))")
        @unknown default:
            return .malformedJSON("The body could not be decoded.")
        }
    }

    static func pointer(_ path: [any CodingKey]) -> String {
        "#/" + path.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: "/")
    }
}

/// The JSON conventions of the API: ISO 8601 UTC timestamps, sorted keys.
public enum JSONCoding {
    public static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            guard let date = Timestamp.parse(text) else {
                throw DecodingError.dataCorruptedError(
                    in: container, debugDescription: "must be an ISO 8601 date-time, e.g. 2026-05-01T07:30:00Z")
            }
            return date
        }
        return decoder
    }()

    public static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(Timestamp.format(date))
        }
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type, is Int64.Type: "an integer"
        case is Double.Type: "a number"
        case is Bool.Type: "a boolean"
        case is [Any].Type: "an array"
        default: "of another type (\(type))"
        }
    }
}
