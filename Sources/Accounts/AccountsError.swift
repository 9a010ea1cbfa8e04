/// The one error type of the Accounts context; the HTTP layer maps its codes to problems.
public struct AccountsError: Error, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable {
        let name: String
        public static let validation = Code(name: "validation")
        public static let emailTaken = Code(name: "emailTaken")
        public static let invalidCredentials = Code(name: "invalidCredentials")
        public static let invalidToken = Code(name: "invalidToken")
        public static let notFound = Code(name: "notFound")
        public static let forbidden = Code(name: "forbidden")
        public static let rateLimited = Code(name: "rateLimited")
        public static let conflict = Code(name: "conflict")
    }

    public var code: Code
    public var message: String
    /// The offending fields, for `.validation`.
    public var fields: [FieldIssue]
    /// Seconds until a retry may succeed, for `.rateLimited`.
    public var retryAfter: Int?

    public init(_ code: Code, _ message: String, fields: [FieldIssue] = [], retryAfter: Int? = nil) {
        self.code = code
        self.message = message
        self.fields = fields
        self.retryAfter = retryAfter
    }

    public static func validation(_ fields: [FieldIssue]) -> AccountsError {
        AccountsError(.validation, fields.map { "\($0.pointer): \($0.detail)" }.joined(separator: "; "), fields: fields)
    }

    public var description: String { "\(code.name): \(message)" }
}

/// One invalid field of a command, named by a JSON pointer into the request.
public struct FieldIssue: Sendable, Equatable {
    public var pointer: String
    public var detail: String

    public init(_ pointer: String, _ detail: String) {
        self.pointer = pointer
        self.detail = detail
    }
}
