import CivilTime
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
    /// An envelope as a Kafka message's value, and as `stamina events tail` prints it: JSON with
    /// sorted keys, `occurredAt` as a `Timestamp` (with its fraction: `JSONEncoder`'s `.iso8601`
    /// drops it, and through Kafka every event seemed to have occurred at the whole second before it did).
    public func kafkaValue() throws -> [UInt8] {
        Array(try Self.kafkaEncoder.encode(self))
    }

    /// The envelope in a Kafka message's value; also reads whole-second times, as relays before
    /// `kafkaValue()` wrote them.
    public init(kafkaValue bytes: [UInt8]) throws {
        self = try Self.kafkaDecoder.decode(Self.self, from: Data(bytes))
    }

    private static let kafkaEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(Timestamp.format(date))
        }
        return encoder
    }()

    private static let kafkaDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            guard let date = Timestamp.parse(try container.decode(String.self)) else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "not an ISO 8601 time")
            }
            return date
        }
        return decoder
    }()
}
