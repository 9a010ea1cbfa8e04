import Foundation

/// A domain event as stored in the outbox: metadata plus the JSON payload.
public struct EventEnvelope: Sendable, Equatable, Codable {
    /// Gap-free position in the log, assigned when the event is appended.
    public var position: Int64
    public var eventID: UUID
    public var eventType: String
    public var schemaVersion: Int
    public var aggregateType: String
    public var aggregateID: UUID
    public var occurredAt: Date
    public var causationID: UUID?
    public var correlationID: UUID?
    /// The event's JSON encoding.
    public var payload: String
}
