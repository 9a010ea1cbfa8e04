import Foundation
import HTTPAPI
import Testing

@testable import Live

/// The fast path for `points` messages reads what `JSONDecoder` reads, to the bit, or leaves the
/// message to it.
@Suite("Points message fast path")
struct PointsMessageParserTests {
    /// What the general decoder makes of `text`: its points when it is a `points` message.
    static func decoded(_ text: String) -> [WirePoint]? {
        guard let message = try? JSONCoding.decoder.decode(DeviceMessage.self, from: Data(text.utf8)),
            message.type == "points"
        else { return nil }
        return message.points
    }

    static let valid = [
        #"{"type":"points","points":[{"seq":1,"time":"2026-05-01T07:30:00Z","latitude":46.0001,"longitude":7.25}]}"#,
        #"{"points":[{"time":"2026-05-01T07:30:00.125Z","seq":2,"heartRate":151,"cadence":86.5,"power":null}],"type":"points"}"#,
        " \n{ \"type\" : \"points\" ,\t\"points\" : [ { \"seq\" : 3 , \"time\" : \"2026-05-01T07:30:01Z\" } ] } \r\n",
        #"{"type":"points","points":[{"seq":4,"time":"2026-05-01T07:30:02Z","altitude":-12.5e1,"distance":1.0E3,"#
            + #""speed":0.3333333333333333,"temperature":-0.0},{"seq":900719925474099,"time":"2026-05-01T07:30:03Z","#
            + #""latitude":-89.99999999,"longitude":179.9999999999999999999}]}"#,
        #"{"type":"points","points":[]}"#,
    ]

    @Test("valid points messages read exactly as JSONDecoder reads them")
    func agreesWithJSONDecoder() throws {
        for text in Self.valid {
            let fast = try #require(PointsMessageParser.points(text), "\(text)")
            let general = try #require(Self.decoded(text))
            #expect(fast == general, "\(text)")
            #expect(
                fast.map { $0.altitude?.bitPattern } == general.map { $0.altitude?.bitPattern }, "-0.0 stays -0.0")
        }
    }

    @Test(
        "anything else is left to JSONDecoder",
        arguments: [
            #"{"type":"start","clientSessionId":"a","sport":"running","startedAt":"2026-05-01T07:30:00Z"}"#,
            #"{"type":"points","points":[{"seq":1,"time":"2026-05-01T07:30:00Z","note":"unknown member"}]}"#,
            #"{"type":"points","type":"points","points":[]}"#,
            #"{"type":"points","points":[{"seq":1,"seq":2,"time":"2026-05-01T07:30:00Z"}]}"#,
            #"{"type":"po\u0069nts","points":[]}"#,
            #"{"type":"points","points":[{"seq":1.0,"time":"2026-05-01T07:30:00Z"}]}"#,
            #"{"type":"points","points":[{"seq":01,"time":"2026-05-01T07:30:00Z"}]}"#,
            #"{"type":"points","points":[{"seq":1,"time":"yesterday"}]}"#,
            #"{"type":"points","points":[{"seq":1}]}"#,
            #"{"type":"points","points":[{"seq":1,"time":"2026-05-01T07:30:00Z","speed":.5}]}"#,
            #"{"type":"points","points":[{"seq":1,"time":"2026-05-01T07:30:00Z","speed":1e999}]}"#,
            #"{"type":"points","points":[{"seq":1,"time":"2026-05-01T07:30:00Z"}]} x"#,
            #"{"type":"points","points":[{"seq":1,"time":"2026-05-01T07:30:00Z"},]}"#,
            #"{"type":"points","points":[{"seq":12345678901234567890,"time":"2026-05-01T07:30:00Z"}]}"#,
            "", "[]", "{", "null",
        ])
    func fallsBack(text: String) {
        #expect(PointsMessageParser.points(text) == nil)
    }

    @Test("whatever a mangled message still reads as, it is what JSONDecoder reads")
    func mangledMessages() {
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array(#"{}[]:,". -+0123456789eE\ntruefalsn"#.utf8)
        var agreed = 0
        for _ in 0..<5_000 {
            var bytes = Array(Self.valid.randomElement(using: &generator)!.utf8)
            for _ in 0..<Int.random(in: 1...3, using: &generator) where !bytes.isEmpty {
                let position = Int.random(in: 0..<bytes.count, using: &generator)
                switch Int.random(in: 0..<3, using: &generator) {
                case 0: bytes[position] = alphabet.randomElement(using: &generator)!
                case 1: bytes.remove(at: position)
                default: bytes.insert(alphabet.randomElement(using: &generator)!, at: position)
                }
            }
            let text = String(decoding: bytes, as: UTF8.self)
            guard let fast = PointsMessageParser.points(text) else { continue }
            agreed += 1
            #expect(Self.decoded(text) == fast, "\(text)")
        }
        #expect(agreed > 0)
    }
}
