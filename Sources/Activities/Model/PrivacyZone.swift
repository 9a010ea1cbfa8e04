import Foundation
import Geo

/// A circle (e.g. around home) inside which an athlete's positions are hidden from everyone else.
public struct PrivacyZone: Sendable, Equatable, Codable {
    public var id: UUID
    public var userID: UUID
    public var latitude: Double
    public var longitude: Double
    /// Metres, 100 to 2,000.
    public var radius: Double
    public var createdAt: Date

    enum CodingKeys: String, CodingKey {
        case id, userID = "userId", latitude, longitude, radius, createdAt
    }

    public static let radiusRange: ClosedRange<Double> = 100...2_000

    /// The zone as the circle `Geo` tests points against.
    public var circle: Geo.PrivacyZone {
        Geo.PrivacyZone(center: Coordinate(latitude: latitude, longitude: longitude), radius: radius)
    }
}
