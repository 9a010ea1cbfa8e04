import Foundation
import Testing

@testable import EventLog

@Suite("Event envelopes on Kafka")
struct EventEnvelopeWireTests {
    static func envelope(at occurredAt: Date) -> EventEnvelope {
        EventEnvelope(
            position: 42, eventID: UUID(), eventType: "ProfileUpdated", schemaVersion: 1, aggregateType: "user",
            aggregateID: UUID(), occurredAt: occurredAt, causationID: UUID(), correlationID: nil,
            payload: #"{"userID":"x","changedFields":["name"]}"#)
    }

    @Test("an envelope comes back from its Kafka value equal, its time to the millisecond")
    func roundTrip() throws {
        // 2026-11-30T15:04:05.678Z and a little: the sub-millisecond part is what may go.
        let occurredAt = Date(timeIntervalSince1970: 1_796_051_045.678_4)
        let sent = Self.envelope(at: occurredAt)
        let value = try sent.kafkaValue()
        #expect(String(decoding: value, as: UTF8.self).contains(#""occurredAt":"2026-11-30T15:04:05.678Z""#))
        var received = try EventEnvelope(kafkaValue: value)
        #expect(abs(received.occurredAt.timeIntervalSince(occurredAt)) < 0.001)
        received.occurredAt = occurredAt
        #expect(received == sent)
    }

    @Test("a value a relay wrote with whole seconds is still read; a value that is not an event is refused")
    func olderAndBadValues() throws {
        var sent = Self.envelope(at: Date(timeIntervalSince1970: 1_796_051_045))
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        let older = Array(try encoder.encode(sent))
        #expect(String(decoding: older, as: UTF8.self).contains(#""occurredAt":"2026-11-30T15:04:05Z""#))
        #expect(try EventEnvelope(kafkaValue: older) == sent)

        sent.position = 43
        let text = String(decoding: try sent.kafkaValue(), as: UTF8.self)
        let badTime = text.replacingOccurrences(of: "2026-11-30T15:04:05.000Z", with: "yesterday")
        #expect(badTime != text)
        #expect(throws: DecodingError.self) { try EventEnvelope(kafkaValue: Array(badTime.utf8)) }
        #expect(throws: DecodingError.self) { try EventEnvelope(kafkaValue: Array("not json".utf8)) }
    }
}
