/// The error every storage adapter throws; driver errors are wrapped into it and never leak.
public struct DatabaseError: Error, CustomStringConvertible, Sendable {
    /// What kind of failure this is, as far as callers need to tell them apart.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        public var description: String { name }

        /// A UNIQUE or PRIMARY KEY constraint was violated.
        public static let uniqueViolation = Code(name: "uniqueViolation")
        /// The database cannot be reached or refused the connection.
        public static let unavailable = Code(name: "unavailable")
        /// A row could not be read into the expected shape.
        public static let decoding = Code(name: "decoding")
        /// The configuration is unusable (bad URL, missing extension).
        public static let configuration = Code(name: "configuration")
        /// Any other failure reported by the engine.
        public static let query = Code(name: "query")
    }

    public var code: Code
    public var message: String
    public var cause: (any Error)?

    public init(code: Code, message: String, cause: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    public var description: String {
        if let cause {
            return "\(code): \(message) (\(String(reflecting: cause)))"
        }
        return "\(code): \(message)"
    }
}
