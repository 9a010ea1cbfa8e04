import Foundation
import HTTPAPI
import Hummingbird

/// Answers a method that a path does not serve with 405 and an `Allow` header, instead of the
/// router's 404 (RFC 9110 §15.5.6). The routes are read from the OpenAPI document, which tests keep
/// in step with the router.
struct MethodNotAllowedMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext

    /// A path template split into segments; `nil` stands for a `{parameter}`.
    struct Route {
        var segments: [String?]
        var methods: [HTTPRequest.Method]

        var literals: Int { segments.count { $0 != nil } }

        func matches(_ path: [Substring]) -> Bool {
            path.count == segments.count && zip(segments, path).allSatisfy { $0 == nil || $0! == $1 }
        }
    }

    let routes: [Route]

    /// The keys of an OpenAPI path item that name operations (the others are `parameters`, `summary`, …).
    static let operationKeys: Set = ["get", "put", "post", "delete", "options", "head", "patch", "trace"]

    /// The routes of an OpenAPI document's `paths`.
    init(openAPI data: Data) {
        let paths = (try? JSONSerialization.jsonObject(with: data) as? [String: Any])?["paths"] as? [String: Any]
        routes = (paths ?? [:]).map { template, operations in
            Route(
                segments: template.split(separator: "/").map { $0.hasPrefix("{") ? nil : String($0) },
                methods: ((operations as? [String: Any]) ?? [:]).keys.filter(Self.operationKeys.contains).compactMap {
                    HTTPRequest.Method($0.uppercased())
                }.sorted { $0.rawValue < $1.rawValue })
        }
    }

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let path = request.uri.path.split(separator: "/")
        // Like the router, a literal segment wins over a parameter: `/users/me` is not `/users/{id}`.
        guard let route = routes.filter({ $0.matches(path) }).max(by: { $0.literals < $1.literals }),
            !route.methods.contains(request.method), !(request.method == .head && route.methods.contains(.get))
        else { return try await next(request, context) }
        let methods = route.methods
        let allow = methods.map(\.rawValue).joined(separator: ", ")
        throw Problem(
            .methodNotAllowed, type: "method-not-allowed", title: "Method not allowed",
            detail: "\(request.method.rawValue) is not served here; use \(allow).", headers: [.allow: allow])
    }
}
