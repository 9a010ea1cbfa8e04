/// One versioned schema change of one module, written once per dialect.
public struct Migration: Sendable {
    /// The module that owns the change (`accounts`, `eventlog`, …); versions count per module.
    public var module: String
    public var version: Int
    public var name: String
    public var sqlite: [String]
    public var postgres: [String]

    public init(module: String, version: Int, name: String, sqlite: [String], postgres: [String]) {
        self.module = module
        self.version = version
        self.name = name
        self.sqlite = sqlite
        self.postgres = postgres
    }

    /// A change whose statements are the same in both dialects.
    public init(module: String, version: Int, name: String, both statements: [String]) {
        self.init(module: module, version: version, name: name, sqlite: statements, postgres: statements)
    }
}
