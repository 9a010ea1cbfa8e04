import HTTPAPI

extension ActivitiesError: ProblemConvertible {
    public var problem: Problem {
        switch code {
        case .validation:
            return .validation(fields.map { Problem.FieldError(pointer: $0.pointer, detail: $0.detail) })
        case .notFound:
            return .notFound(message)
        case .forbidden:
            return .forbidden(message)
        case .unreadableFile:
            return Problem(
                .unprocessableContent, type: "unreadable-file", title: "Unreadable activity file", detail: message,
                errors: [Problem.FieldError(pointer: "file", detail: message)])
        case .unsupportedFormat:
            return .unsupportedMediaType(message)
        case .tooLarge:
            return Problem(.contentTooLarge, type: "content-too-large", title: "Content too large", detail: message)
        default:
            return .badRequest(message)
        }
    }
}
