import Accounts
import Activities
import Foundation
import Testing

@testable import EventLog

@Suite("Event payload encoder")
struct PayloadEncoderTests {
    /// What `Outbox` used before: consumers read payloads with `.iso8601` dates.
    static let foundation = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }()
    static let decoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }()

    /// Both encoders' output parsed and written again with sorted keys: equal when they hold the same
    /// JSON value, in any key order.
    static func sameJSON(_ value: some Encodable) throws -> (ours: String, same: Bool) {
        func canonical(_ json: Data) throws -> Data {
            try JSONSerialization.data(
                withJSONObject: try JSONSerialization.jsonObject(with: json, options: .fragmentsAllowed),
                options: [.sortedKeys, .fragmentsAllowed])
        }
        let ours = try PayloadEncoder.encode(value)
        return (ours, try canonical(Data(ours.utf8)) == canonical(try foundation.encode(value)))
    }

    static let snapshot = """
        {"activityID": "3F2504E0-4F89-41D3-9A0C-0305E82C3301", "userID": "9B2F1C4D-8E7A-4B6C-A1D2-E3F405162738",
        "sport": "running", "startTime": "2026-11-30T07:15:09Z", "localDate": "2026-11-30", "visibility": "followers",
        "duration": 3600.5, "movingTime": 3412, "distance": 10234.567, "elevationGain": 88.25}
        """
    static let goal = """
        {"id": "0E6B7F3A-2C41-4D5E-9F60-718293A4B5C6", "userId": "9B2F1C4D-8E7A-4B6C-A1D2-E3F405162738",
        "type": "distance", "period": "week", "sport": "cycling", "target": 150000, "name": "Ride \\"more\\"",
        "createdAt": "2026-11-01T00:00:00Z", "updatedAt": "2026-11-29T23:59:59Z"}
        """
    static let user = #""userID": "9B2F1C4D-8E7A-4B6C-A1D2-E3F405162738""#

    /// Every product event, from the JSON its consumers read.
    static func events() throws -> [any DomainEvent] {
        func event<Event: DomainEvent>(_ type: Event.Type, _ json: String) throws -> Event {
            try decoder.decode(Event.self, from: Data(json.utf8))
        }
        return [
            try event(ActivityRecorded.self, #"{"activity": \#(snapshot)}"#),
            try event(
                ActivityUpdated.self,
                #"{"before": \#(snapshot), "after": \#(snapshot), "changedFields": ["name"]}"#),
            try event(ActivityDeleted.self, #"{"activity": \#(snapshot)}"#),
            try event(UserRegistered.self, #"{\#(user), "method": "https://accounts.example/"}"#),
            try event(ProfileUpdated.self, #"{\#(user), "changedFields": ["name", "weight"]}"#),
            try event(GoalCreated.self, #"{"goal": \#(goal)}"#),
            try event(GoalUpdated.self, #"{"goal": \#(goal)}"#),
            try event(GoalDeleted.self, #"{"goalID": "0E6B7F3A-2C41-4D5E-9F60-718293A4B5C6", \#(user)}"#),
        ]
    }

    /// `event` encoded, decoded and encoded again: the same text when nothing was lost.
    static func reencoded<Event: DomainEvent>(_ event: Event) throws -> (first: String, second: String) {
        let first = try PayloadEncoder.encode(event)
        return (first, try PayloadEncoder.encode(try decoder.decode(Event.self, from: Data(first.utf8))))
    }

    @Test("every product event encodes to the JSON JSONEncoder wrote, and decodes back to itself")
    func productEvents() throws {
        for event in try Self.events() {
            let (ours, same) = try Self.sameJSON(event)
            #expect(same, "\(type(of: event)): \(ours)")
            let (first, second) = try Self.reencoded(event)
            #expect(first == second)
        }
    }

    struct Sample: Codable, Equatable {
        enum Kind: String, Codable { case easy, hard }
        struct Lap: Codable, Equatable {
            var index: Int
            var splits: [Double?]
        }
        struct Empty: Codable, Equatable {}
        var text: String
        var number: Double
        var count: Int
        var negative: Int64
        var small: UInt8
        var flag: Bool
        var missing: String?
        var kind: Kind
        var laps: [Lap]
        var nested: [[String]]
        var empty: Empty
        var when: Date
        var id: UUID
        var link: URL
        var blob: Data
    }

    @Test(
        "strings with quotes, backslashes, control characters and non-ASCII text; numbers; nil; nesting",
        arguments: [
            "plain", "say \"hi\"", "back\\slash", "line\nbreak\r\ttab", "\u{0}\u{1}\u{1F}", "Zürich 🏃‍♀️ 東京", "",
            "</script>",
        ])
    func values(text: String) throws {
        let sample = Sample(
            text: text, number: -0.000_012_5, count: -42, negative: .min, small: 255, flag: true, missing: nil,
            kind: .hard, laps: [.init(index: 1, splits: [1.5, nil, 3]), .init(index: 2, splits: [])],
            nested: [[], ["a"], ["b", "c"]], empty: .init(), when: Date(timeIntervalSince1970: 1_764_492_501.999),
            id: UUID(), link: URL(string: "https://example.com/a?b=c")!, blob: Data([0, 1, 254, 255]))
        let (ours, same) = try Self.sameJSON(sample)
        #expect(same, "\(ours)")
        #expect(!ours.contains("missing"))
        var expected = sample
        expected.when = Date(timeIntervalSince1970: 1_764_492_501)  // to the second, as before
        #expect(try Self.decoder.decode(Sample.self, from: Data(ours.utf8)) == expected)
    }

    @Test(
        "doubles are the numbers JSONEncoder wrote",
        arguments: [0, -0.0, 1, 700, -3.5, 1e300, 1e-7, 9_007_199_254_740_994, 0.1 + 0.2, 123_456.789_012])
    func doubles(number: Double) throws {
        let (ours, same) = try Self.sameJSON([number])
        #expect(same, "\(number) became \(ours)")
    }

    @Test(
        "dates in UTC to the second, before 1970 and across leap days",
        arguments: [-2_524_521_600.5, -1, 0, 951_782_399.9, 951_782_400, 4_102_444_799, 10_000_000_000])
    func dates(seconds: Double) throws {
        let date = Date(timeIntervalSince1970: seconds)
        #expect(
            try PayloadEncoder.encode([date]) == String(decoding: try Self.foundation.encode([date]), as: UTF8.self))
    }

    @Test("a number JSON cannot hold is an error, not output")
    func nonFinite() {
        #expect(throws: EncodingError.self) { try PayloadEncoder.encode([Double.nan]) }
        #expect(throws: EncodingError.self) { try PayloadEncoder.encode(["x": Double.infinity]) }
    }

    /// Writes to a container after it wrote to the one around it.
    struct OutOfOrder: Encodable {
        enum Key: String, CodingKey { case a, b, c }
        func encode(to encoder: any Encoder) throws {
            var outer = encoder.container(keyedBy: Key.self)
            var inner = outer.nestedContainer(keyedBy: Key.self, forKey: .a)
            try inner.encode(1, forKey: .b)
            try outer.encode(2, forKey: .b)
            try inner.encode(3, forKey: .c)
        }
    }

    /// Asks for its container twice, as a type and its extension may.
    struct TwoCalls: Encodable {
        enum Key: String, CodingKey { case a, b }
        func encode(to encoder: any Encoder) throws {
            var first = encoder.container(keyedBy: Key.self)
            try first.encode(1, forKey: .a)
            var second = encoder.container(keyedBy: Key.self)
            try second.encode(2, forKey: .b)
        }
    }

    /// Encodes itself as itself, as only a primitive the encoder does not know would.
    struct SelfEncoding: Encodable {
        func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            try container.encode(self)
        }
    }

    @Test("a container reopened continues; one written to after it was left, or a value encoding itself, is an error")
    func containerOrder() throws {
        #expect(try PayloadEncoder.encode(TwoCalls()) == #"{"a":1,"b":2}"#)
        #expect(throws: EncodingError.self) { try PayloadEncoder.encode(OutOfOrder()) }
        #expect(throws: EncodingError.self) { try PayloadEncoder.encode(["x": SelfEncoding()]) }
    }
}
