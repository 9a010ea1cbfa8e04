import Foundation
import HTTPTypes
import Hummingbird

/// An RFC 9457 problem: the one error shape the API returns (`application/problem+json`).
///
/// `type` is a stable URN per kind of problem so clients can switch on it; `errors` names the
/// offending fields of a request with JSON pointers.
public struct Problem: Error, HTTPResponseError, Sendable {
    /// One invalid part of a request.
    public struct FieldError: Codable, Sendable, Equatable {
        /// A JSON pointer into the request body (`#/email`) or the name of a query parameter.
        public var pointer: String
        public var detail: String

        public init(pointer: String, detail: String) {
            self.pointer = pointer
            self.detail = detail
        }
    }

    public var type: String
    public var title: String
    public var status: HTTPResponse.Status
    public var detail: String
    public var errors: [FieldError]
    public var headers: HTTPFields

    public init(
        _ status: HTTPResponse.Status, type slug: String, title: String, detail: String,
        errors: [FieldError] = [], headers: HTTPFields = [:]
    ) {
        self.type = "urn:stamina:problem:\(slug)"
        self.title = title
        self.status = status
        self.detail = detail
        self.errors = errors
        self.headers = headers
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers = self.headers
        headers[.contentType] = "application/problem+json"
        let body = ProblemBody(
            type: type, title: title, status: Int(status.code), detail: detail,
            instance: request.uri.path, errors: errors.isEmpty ? nil : errors)
        let data = try JSONEncoder().encode(body)
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    private struct ProblemBody: Encodable {
        var type: String
        var title: String
        var status: Int
        var detail: String
        var instance: String
        var errors: [FieldError]?
    }
}

extension Problem {
    public static func badRequest(_ detail: String, errors: [FieldError] = []) -> Problem {
        Problem(.badRequest, type: "bad-request", title: "Bad request", detail: detail, errors: errors)
    }

    public static func malformedJSON(_ detail: String) -> Problem {
        Problem(.badRequest, type: "malformed-json", title: "Malformed JSON", detail: detail)
    }

    public static func validation(_ errors: [FieldError]) -> Problem {
        let detail = errors.map { "\($0.pointer): \($0.detail)" }.joined(separator: "; ")
        return Problem(
            .unprocessableContent, type: "validation", title: "Validation failed", detail: detail, errors: errors)
    }

    public static func validation(pointer: String, _ detail: String) -> Problem {
        validation([FieldError(pointer: pointer, detail: detail)])
    }

    public static func unauthorized(_ detail: String) -> Problem {
        Problem(
            .unauthorized, type: "unauthorized", title: "Unauthorized", detail: detail,
            headers: [.wwwAuthenticate: "Bearer"])
    }

    public static func forbidden(_ detail: String) -> Problem {
        Problem(.forbidden, type: "forbidden", title: "Forbidden", detail: detail)
    }

    public static func notFound(_ detail: String) -> Problem {
        Problem(.notFound, type: "not-found", title: "Not found", detail: detail)
    }

    public static func conflict(_ detail: String, pointer: String? = nil) -> Problem {
        Problem(
            .conflict, type: "conflict", title: "Conflict", detail: detail,
            errors: pointer.map { [FieldError(pointer: $0, detail: detail)] } ?? [])
    }

    public static func tooManyRequests(retryAfter seconds: Int) -> Problem {
        Problem(
            .tooManyRequests, type: "rate-limited", title: "Too many requests",
            detail: "Too many attempts; retry after \(seconds) s.", headers: [.retryAfter: "\(seconds)"])
    }

    public static func unsupportedMediaType(_ detail: String) -> Problem {
        Problem(.unsupportedMediaType, type: "unsupported-media-type", title: "Unsupported media type", detail: detail)
    }

    public static func contentTooLarge(limit: Int) -> Problem {
        Problem(
            .contentTooLarge, type: "content-too-large", title: "Content too large",
            detail: "The request body exceeds the limit of \(limit) bytes.")
    }

    public static func unavailable(_ detail: String) -> Problem {
        Problem(.serviceUnavailable, type: "unavailable", title: "Service unavailable", detail: detail)
    }

    public static func internalError() -> Problem {
        Problem(
            .internalServerError, type: "internal", title: "Internal server error",
            detail: "The server failed to handle the request; it has been logged.")
    }
}

/// A context's error that knows which problem it is; only the HTTP layer conforms errors to it.
public protocol ProblemConvertible: Error {
    var problem: Problem { get }
}
