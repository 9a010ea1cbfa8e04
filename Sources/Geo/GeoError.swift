/// Why a geodesy input could not be processed (for example a malformed encoded polyline).
public struct GeoError: Error, Sendable, Equatable, CustomStringConvertible {
    public struct Code: Hashable, Sendable {
        let name: String
        /// An encoded polyline has a character outside `?`…`~` or ends in the middle of a value.
        public static let malformedPolyline = Code(name: "malformedPolyline")
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.name): \(message)" }
}
