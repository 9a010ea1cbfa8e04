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

extension EventEnvelope {
    /// An envelope as a Kafka message's value: JSON, `occurredAt` in ISO 8601 with milliseconds.
    /// (`JSONEncoder`'s `.iso8601` drops the fraction: through Kafka every event seemed to have
    /// occurred at a whole second, up to a second before it did.)
    public func kafkaValue() throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(date.formatted(Self.occurredAtStyle))
        }
        return Array(try encoder.encode(self))
    }

    /// The envelope in a Kafka message's value; also reads whole-second times, as relays before
    /// `kafkaValue()` wrote them.
    public init(kafkaValue bytes: [UInt8]) throws {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let text = try decoder.singleValueContainer().decode(String.self)
            if let date = try? Self.occurredAtStyle.parse(text) { return date }
            if let date = try? Date.ISO8601FormatStyle().parse(text) { return date }
            throw DecodingError.dataCorrupted(
                DecodingError.Context(codingPath: decoder.codingPath, debugDescription: "not an ISO 8601 time"))
        }
        self = try decoder.decode(Self.self, from: Data(bytes))
    }

    /// `2026-11-30T15:04:05.123Z`.
    static let occurredAtStyle = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
}
