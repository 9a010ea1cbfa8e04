import Foundation

/// The column names of a result, shared by all its rows.
public final class SQLColumns: Sendable {
    let names: [String]
    let index: [String: Int]

    public init(_ names: [String]) {
        var index: [String: Int] = [:]
        for (position, name) in names.enumerated() where index[name] == nil {
            index[name] = position
        }
        self.names = names
        self.index = index
    }
}

/// One result row: column names and their values, read the same way from every engine.
public struct SQLRow: Sendable {
    private let columns: SQLColumns
    private let values: [SQLValue]

    /// Creates a row from its result's columns and its values, in column order.
    public init(columns: SQLColumns, values: [SQLValue]) {
        self.columns = columns
        self.values = values
    }

    /// The raw value of a column; `.null` when the column is absent or NULL.
    public subscript(_ name: String) -> SQLValue {
        guard let index = columns.index[name] else { return .null }
        return values[index]
    }

    public func string(_ name: String) throws(DatabaseError) -> String {
        try required(name, optionalString(name))
    }

    public func optionalString(_ name: String) -> String? {
        switch self[name] {
        case .text(let value), .json(let value): value
        case .uuid(let value): value.lowercasedText
        default: nil
        }
    }

    public func uuid(_ name: String) throws(DatabaseError) -> UUID {
        try required(name, optionalUUID(name))
    }

    public func optionalUUID(_ name: String) -> UUID? {
        switch self[name] {
        case .uuid(let value): value
        case .text(let value): UUID(uuidString: value)
        default: nil
        }
    }

    public func int(_ name: String) throws(DatabaseError) -> Int {
        try required(name, optionalInt(name))
    }

    public func optionalInt(_ name: String) -> Int? {
        switch self[name] {
        case .integer(let value): Int(value)
        case .real(let value): value.isFinite && abs(value) < 9e18 ? Int(value) : nil
        case .bool(let value): value ? 1 : 0
        default: nil
        }
    }

    public func optionalDouble(_ name: String) -> Double? {
        switch self[name] {
        case .real(let value): value
        case .integer(let value): Double(value)
        default: nil
        }
    }

    public func bool(_ name: String) throws(DatabaseError) -> Bool {
        switch self[name] {
        case .bool(let value): return value
        case .integer(let value): return value != 0
        default: throw DatabaseError(code: .decoding, message: "column \(name) is not a boolean")
        }
    }

    public func date(_ name: String) throws(DatabaseError) -> Date {
        try required(name, optionalDate(name))
    }

    public func optionalDate(_ name: String) -> Date? {
        switch self[name] {
        case .date(let value): value
        case .real(let value): Date(timeIntervalSince1970: value)
        case .integer(let value): Date(timeIntervalSince1970: Double(value))
        default: nil
        }
    }

    private func required<T>(_ name: String, _ value: T?) throws(DatabaseError) -> T {
        guard let value else {
            throw DatabaseError(code: .decoding, message: "column \(name) is missing or of the wrong type")
        }
        return value
    }
}
