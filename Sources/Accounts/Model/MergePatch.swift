import HTTPAPI

/// One member of a JSON merge patch (RFC 7396): absent (leave as is), `null` (clear), or a value.
enum PatchField<Value> {
    case absent
    case null
    case value(Value)
}

/// Reads the members of a merge-patch object with their expected types, collecting an issue for
/// every member that is unknown or of the wrong type.
struct MergePatch {
    private let object: [String: JSONValue]
    private let prefix: String
    var issues: [FieldIssue] = []
    private var known: Set<String> = []

    init(_ object: [String: JSONValue], prefix: String = "#") {
        self.object = object
        self.prefix = prefix
    }

    func pointer(_ key: String) -> String { "\(prefix)/\(key)" }

    mutating func issue(_ key: String, _ detail: String) {
        issues.append(FieldIssue(pointer(key), detail))
    }

    /// Issues for members that no reader asked for.
    mutating func rejectUnknownMembers() {
        for key in object.keys.sorted() where !known.contains(key) {
            issue(key, "is not a known field")
        }
    }

    private mutating func raw(_ key: String) -> JSONValue? {
        known.insert(key)
        return object[key]
    }

    mutating func string(_ key: String) -> PatchField<String> {
        switch raw(key) {
        case nil: return .absent
        case .null: return .null
        case .string(let value): return .value(value)
        default:
            issue(key, "must be a string")
            return .absent
        }
    }

    mutating func number(_ key: String) -> PatchField<Double> {
        switch raw(key) {
        case nil: return .absent
        case .null: return .null
        case .number(let value): return .value(value)
        default:
            issue(key, "must be a number")
            return .absent
        }
    }

    mutating func integer(_ key: String) -> PatchField<Int> {
        switch number(key) {
        case .absent: return .absent
        case .null: return .null
        case .value(let value):
            guard value.rounded() == value, abs(value) < 1e9 else {
                issue(key, "must be an integer")
                return .absent
            }
            return .value(Int(value))
        }
    }

    mutating func enumeration<E: RawRepresentable & CaseIterable>(_ key: String, _: E.Type) -> PatchField<E>
    where E.RawValue == String {
        switch string(key) {
        case .absent: return .absent
        case .null: return .null
        case .value(let raw):
            guard let value = E(rawValue: raw) else {
                issue(key, "must be one of \(E.allCases.map(\.rawValue).joined(separator: ", "))")
                return .absent
            }
            return .value(value)
        }
    }

    mutating func object(_ key: String) -> PatchField<[String: JSONValue]> {
        switch raw(key) {
        case nil: return .absent
        case .null: return .null
        case .object(let value): return .value(value)
        default:
            issue(key, "must be an object")
            return .absent
        }
    }

    /// The value of a member that may not be `null`.
    mutating func required<T>(_ field: PatchField<T>, _ key: String) -> T? {
        switch field {
        case .absent: return nil
        case .null:
            issue(key, "must not be null")
            return nil
        case .value(let value): return value
        }
    }

    /// The new value of a nullable member: `.some(nil)` clears it, `nil` leaves it.
    func nullable<T>(_ field: PatchField<T>) -> T?? {
        switch field {
        case .absent: return nil
        case .null: return .some(nil)
        case .value(let value): return .some(value)
        }
    }
}
