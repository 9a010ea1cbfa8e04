/// The one error type of the Activities context; the HTTP layer maps its codes to problems.
public struct ActivitiesError: Error, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable {
        let name: String
        public static let validation = Code(name: "validation")
        public static let notFound = Code(name: "notFound")
        public static let forbidden = Code(name: "forbidden")
        /// The uploaded file is broken or holds no activity (422).
        public static let unreadableFile = Code(name: "unreadableFile")
        /// The file's format is not one Stamina reads (415).
        public static let unsupportedFormat = Code(name: "unsupportedFormat")
        /// The file is larger than the configured limit (413).
        public static let tooLarge = Code(name: "tooLarge")
    }

    public var code: Code
    public var message: String
    /// The offending fields (`#/name`, `file`), for validation errors.
    public var fields: [(pointer: String, detail: String)]

    public init(_ code: Code, _ message: String, fields: [(pointer: String, detail: String)] = []) {
        self.code = code
        self.message = message
        self.fields = fields
    }

    public var description: String { "\(code.name): \(message)" }
}
