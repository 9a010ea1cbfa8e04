import Foundation

/// Something that happened in a bounded context, named in the past tense.
///
/// The type name and schema version are stable: consumers switch over them, and a change to the
/// payload's shape bumps the version.
public protocol DomainEvent: Codable, Sendable {
    /// The stable type name, e.g. `UserRegistered`.
    static var eventType: String { get }
    /// The payload schema version; bumped when the payload changes shape.
    static var schemaVersion: Int { get }
    /// The kind of aggregate the event belongs to, e.g. `user`; also names its topic's context.
    static var aggregateType: String { get }
    /// The aggregate's id: the partition key that keeps one aggregate's events in order.
    var aggregateID: UUID { get }
}

extension DomainEvent {
    public static var schemaVersion: Int { 1 }
}
