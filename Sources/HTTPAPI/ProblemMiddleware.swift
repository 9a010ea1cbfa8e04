import Hummingbird
import NIOCore
import Persistence

/// Turns every error escaping a handler into problem JSON, so no error reaches a client in another
/// shape; unexpected errors are logged and answered with a generic 500.
public struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    /// The body limit, reported in 413 answers.
    let maxBodySize: Int

    public init(maxBodySize: Int) {
        self.maxBodySize = maxBodySize
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        do {
            return try await next(request, context)
        } catch {
            return try problem(for: error, context: context).response(from: request, context: context)
        }
    }

    func problem(for error: any Error, context: Context) -> Problem {
        switch error {
        case let problem as Problem:
            return problem
        case let error as any ProblemConvertible:
            return error.problem
        case is NIOTooManyBytesError:
            return .contentTooLarge(limit: maxBodySize)
        case let error as HTTPError:
            return httpProblem(error)
        case let error as DatabaseError where error.code == .unavailable:
            context.logger.error("database unavailable", metadata: ["error": "\(error)"])
            return .unavailable("The database is unavailable; try again shortly.")
        default:
            context.logger.error("unhandled error", metadata: ["error": "\(String(reflecting: error))"])
            return .internalError()
        }
    }

    private func httpProblem(_ error: HTTPError) -> Problem {
        switch error.status {
        case .notFound:
            return .notFound("No such resource.")
        case .contentTooLarge:
            return .contentTooLarge(limit: maxBodySize)
        case .methodNotAllowed:
            return Problem(
                .methodNotAllowed, type: "method-not-allowed", title: "Method not allowed",
                detail: "This resource does not support that method.", headers: error.headers)
        default:
            return Problem(
                error.status, type: "http-\(error.status.code)", title: error.status.reasonPhrase,
                detail: error.body ?? error.status.reasonPhrase, headers: error.headers)
        }
    }
}
