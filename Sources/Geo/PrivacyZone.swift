/// A circle around a place the athlete wants hidden (home, work): track points inside it are not shown to others.
public struct PrivacyZone: Sendable, Equatable, Hashable {
    public var center: Coordinate
    /// Metres.
    public var radius: Double

    public init(center: Coordinate, radius: Double) {
        self.center = center
        self.radius = radius
    }

    /// Whether the coordinate lies inside the circle or on its edge (haversine distance; the 0.5 % spherical
    /// error is a few metres at most for privacy radii and is conservative when the radius is rounded up).
    public func contains(_ coordinate: Coordinate) -> Bool {
        Geodesic.haversineDistance(from: center, to: coordinate) <= radius
    }
}

/// Which points of a track fall inside privacy zones.
public struct PrivacyMask: Sendable, Equatable {
    /// `hidden[i]` is true when point `i` lies in at least one zone.
    public var hidden: [Bool]
    /// The first point outside every zone; `nil` when all points are hidden (or there are none).
    public var firstVisible: Int?
    /// The last point outside every zone.
    public var lastVisible: Int?

    /// The hidden indices, ascending.
    public var hiddenIndices: [Int] { hidden.indices.filter { hidden[$0] } }

    /// Computes the mask. Each zone is first tested against a bounding box grown by its radius, so points far
    /// from every zone cost four comparisons per zone.
    public init(coordinates: [Coordinate], zones: [PrivacyZone]) {
        let prefilters = zones.map { zone in
            (
                zone,
                BoundingBox(
                    minLatitude: zone.center.latitude, minLongitude: zone.center.longitude,
                    maxLatitude: zone.center.latitude, maxLongitude: zone.center.longitude
                ).expanded(by: zone.radius * 1.01 + 1)
            )
        }
        var hidden = [Bool](repeating: false, count: coordinates.count)
        var firstVisible: Int?
        var lastVisible: Int?
        for (index, coordinate) in coordinates.enumerated() {
            let inside = prefilters.contains { zone, box in box.contains(coordinate) && zone.contains(coordinate) }
            hidden[index] = inside
            if !inside {
                if firstVisible == nil { firstVisible = index }
                lastVisible = index
            }
        }
        self.hidden = hidden
        self.firstVisible = firstVisible
        self.lastVisible = lastVisible
    }
}
