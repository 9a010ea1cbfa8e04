import Foundation

/// The smallest latitude/longitude rectangle around a set of coordinates.
///
/// Longitudes are not wrapped across the antimeridian: a track crossing ±180° gets a box spanning the globe,
/// which is safe (too large, never too small) for map framing and spatial pre-filters.
public struct BoundingBox: Sendable, Equatable, Hashable, Codable {
    public var minLatitude: Double
    public var minLongitude: Double
    public var maxLatitude: Double
    public var maxLongitude: Double

    public init(minLatitude: Double, minLongitude: Double, maxLatitude: Double, maxLongitude: Double) {
        self.minLatitude = minLatitude
        self.minLongitude = minLongitude
        self.maxLatitude = maxLatitude
        self.maxLongitude = maxLongitude
    }

    /// The box around `coordinates`, ignoring invalid ones; `nil` when none is valid. Inlinable, so
    /// that it is specialized for the caller's sequence (one pass over a lazy view, no array).
    @inlinable
    public init?(_ coordinates: some Sequence<Coordinate>) {
        var box: BoundingBox?
        for coordinate in coordinates where coordinate.isValid {
            if box == nil {
                box = BoundingBox(
                    minLatitude: coordinate.latitude, minLongitude: coordinate.longitude,
                    maxLatitude: coordinate.latitude, maxLongitude: coordinate.longitude)
            } else {
                box!.minLatitude = min(box!.minLatitude, coordinate.latitude)
                box!.maxLatitude = max(box!.maxLatitude, coordinate.latitude)
                box!.minLongitude = min(box!.minLongitude, coordinate.longitude)
                box!.maxLongitude = max(box!.maxLongitude, coordinate.longitude)
            }
        }
        guard let box else { return nil }
        self = box
    }

    /// Whether the coordinate lies inside or on the edge of the box.
    public func contains(_ coordinate: Coordinate) -> Bool {
        (minLatitude...maxLatitude).contains(coordinate.latitude)
            && (minLongitude...maxLongitude).contains(coordinate.longitude)
    }

    /// The box grown by `metres` on every side (clamped to the globe), using the mean Earth radius.
    public func expanded(by metres: Double) -> BoundingBox {
        let degreesPerMetre = 180 / (Double.pi * Geodesic.meanRadius)
        let dLat = metres * degreesPerMetre
        let widestLatitude = min(89.999_999, max(abs(minLatitude), abs(maxLatitude)) + dLat)
        let dLon = dLat / cos(widestLatitude * .pi / 180)
        return BoundingBox(
            minLatitude: max(-90, minLatitude - dLat), minLongitude: max(-180, minLongitude - dLon),
            maxLatitude: min(90, maxLatitude + dLat), maxLongitude: min(180, maxLongitude + dLon))
    }

    /// The centre of the box.
    public var center: Coordinate {
        Coordinate(latitude: (minLatitude + maxLatitude) / 2, longitude: (minLongitude + maxLongitude) / 2)
    }
}
