import HTTPAPI

extension AccountsError: ProblemConvertible {
    public var problem: Problem {
        switch code {
        case .validation:
            return .validation(fields.map { Problem.FieldError(pointer: $0.pointer, detail: $0.detail) })
        case .emailTaken:
            return .conflict(message, pointer: "#/email")
        case .invalidCredentials, .invalidToken:
            return .unauthorized(message)
        case .notFound:
            return .notFound(message)
        case .forbidden:
            return .forbidden(message)
        case .rateLimited:
            return .tooManyRequests(retryAfter: retryAfter ?? 60)
        default:
            return .conflict(message)
        }
    }
}
