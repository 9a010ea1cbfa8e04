import Foundation

/// A value bound to, or read from, a SQL statement, independent of the database engine.
///
/// Each adapter maps these onto its engine's native types: PostgreSQL gets `uuid`, `timestamptz`
/// and `jsonb`; SQLite stores UUIDs and JSON as text and timestamps as Unix seconds (REAL).
public enum SQLValue: Sendable, Equatable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case bool(Bool)
    case uuid(UUID)
    case date(Date)
    case blob([UInt8])
    /// A JSON document given as its text.
    case json(String)
}

extension SQLValue {
    /// Wraps an optional value, mapping `nil` to SQL `NULL`. Inlinable so that callers get a
    /// specialised copy (bulk inserts call it per value).
    @inlinable
    public static func optional<T>(_ value: T?, _ wrap: (T) -> SQLValue) -> SQLValue {
        value.map(wrap) ?? .null
    }

    /// An integer value from a Swift `Int`.
    @inlinable
    public static func int(_ value: Int) -> SQLValue { .integer(Int64(value)) }
}
