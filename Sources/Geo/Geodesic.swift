import Foundation

/// Geodesy on the WGS 84 ellipsoid.
///
/// Two families of distance:
/// - ``inverse(from:to:)``/``distance(from:to:)``: Vincenty's inverse formula, accurate to well under a
///   millimetre; near-antipodal pairs, where Vincenty's iteration does not converge, fall back to the
///   great-circle distance on the sphere of mean radius (error below 0.5 %).
/// - ``localDistance(from:to:)``: an equirectangular projection with the ellipsoid's local radii of
///   curvature at the mean latitude, which is as exact as Vincenty (below 1e-6 relative) for the short
///   segments between consecutive track points and about twenty times cheaper. ``trackDistance(from:to:)``
///   picks it for segments up to ``localDistanceLimit`` and Vincenty beyond.
public enum Geodesic {
    /// WGS 84 semi-major axis, metres (NIMA TR8350.2).
    public static let semiMajorAxis = 6_378_137.0
    /// WGS 84 flattening, 1/298.257223563 (NIMA TR8350.2).
    public static let flattening = 1 / 298.257_223_563
    /// WGS 84 semi-minor axis, metres.
    public static let semiMinorAxis = semiMajorAxis * (1 - flattening)
    /// IUGG mean Earth radius R₁ = (2a + b) / 3, metres (Moritz, Geodetic Reference System 1980).
    public static let meanRadius = 6_371_008.771_4
    /// Segments up to this length (metres) may use ``localDistance(from:to:)`` in ``trackDistance(from:to:)``.
    public static let localDistanceLimit = 2_000.0

    private static let eccentricitySquared = flattening * (2 - flattening)
    private static let degrees = Double.pi / 180

    /// The solution of the inverse geodesic problem between two points.
    public struct Solution: Sendable, Equatable {
        /// Metres along the ellipsoid.
        public var distance: Double
        /// Degrees clockwise from true north at the start, 0..<360; `nil` for coincident points.
        public var initialBearing: Double?
        /// Degrees clockwise from true north at the end, 0..<360; `nil` for coincident points.
        public var finalBearing: Double?
        /// Whether Vincenty's iteration converged; when `false`, the values come from the spherical fallback.
        public var converged: Bool
    }

    /// Solves the inverse problem with Vincenty's formula (T. Vincenty, "Direct and inverse solutions of
    /// geodesics on the ellipsoid with application of nested equations", Survey Review 23(176), 1975).
    ///
    /// Near-antipodal points where the iteration does not converge within 200 steps fall back to the
    /// spherical great-circle solution on the mean radius, flagged by `converged == false`.
    public static func inverse(from start: Coordinate, to end: Coordinate) -> Solution {
        let a = semiMajorAxis
        let b = semiMinorAxis
        let f = flattening
        let L = (end.longitude - start.longitude) * degrees
        let U1 = atan((1 - f) * tan(start.latitude * degrees))
        let U2 = atan((1 - f) * tan(end.latitude * degrees))
        let sinU1 = sin(U1)
        let cosU1 = cos(U1)
        let sinU2 = sin(U2)
        let cosU2 = cos(U2)

        var lambda = L
        var sinSigma = 0.0
        var cosSigma = 0.0
        var sigma = 0.0
        var cosSqAlpha = 0.0
        var cos2SigmaM = 0.0
        var sinLambda = 0.0
        var cosLambda = 0.0
        var converged = false
        for _ in 0..<200 {
            sinLambda = sin(lambda)
            cosLambda = cos(lambda)
            let t1 = cosU2 * sinLambda
            let t2 = cosU1 * sinU2 - sinU1 * cosU2 * cosLambda
            sinSigma = (t1 * t1 + t2 * t2).squareRoot()
            if sinSigma == 0 {
                return Solution(distance: 0, initialBearing: nil, finalBearing: nil, converged: true)
            }
            cosSigma = sinU1 * sinU2 + cosU1 * cosU2 * cosLambda
            sigma = atan2(sinSigma, cosSigma)
            let sinAlpha = cosU1 * cosU2 * sinLambda / sinSigma
            cosSqAlpha = 1 - sinAlpha * sinAlpha
            // On the equator cos²α = 0 and the term vanishes (Vincenty 1975, eq. 3 note).
            cos2SigmaM = cosSqAlpha != 0 ? cosSigma - 2 * sinU1 * sinU2 / cosSqAlpha : 0
            let C = f / 16 * cosSqAlpha * (4 + f * (4 - 3 * cosSqAlpha))
            let previous = lambda
            lambda =
                L + (1 - C) * f * sinAlpha
                * (sigma + C * sinSigma * (cos2SigmaM + C * cosSigma * (-1 + 2 * cos2SigmaM * cos2SigmaM)))
            if abs(lambda - previous) < 1e-12 {
                converged = true
                break
            }
            if abs(lambda) > .pi {
                break
            }
        }
        guard converged else {
            return Solution(
                distance: haversineDistance(from: start, to: end),
                initialBearing: bearing(from: start, to: end),
                finalBearing: bearing(from: end, to: start).map { normalized($0 + 180) },
                converged: false
            )
        }
        let uSq = cosSqAlpha * (a * a - b * b) / (b * b)
        let A = 1 + uSq / 16384 * (4096 + uSq * (-768 + uSq * (320 - 175 * uSq)))
        let B = uSq / 1024 * (256 + uSq * (-128 + uSq * (74 - 47 * uSq)))
        let deltaSigma =
            B * sinSigma
            * (cos2SigmaM + B / 4
                * (cosSigma * (-1 + 2 * cos2SigmaM * cos2SigmaM) - B / 6 * cos2SigmaM
                    * (-3 + 4 * sinSigma * sinSigma) * (-3 + 4 * cos2SigmaM * cos2SigmaM)))
        let distance = b * A * (sigma - deltaSigma)
        let alpha1 = atan2(cosU2 * sinLambda, cosU1 * sinU2 - sinU1 * cosU2 * cosLambda)
        let alpha2 = atan2(cosU1 * sinLambda, -sinU1 * cosU2 + cosU1 * sinU2 * cosLambda)
        return Solution(
            distance: distance,
            initialBearing: normalized(alpha1 / degrees),
            finalBearing: normalized(alpha2 / degrees),
            converged: true
        )
    }

    /// Metres along the WGS 84 ellipsoid (Vincenty, with the spherical fallback near antipodes).
    public static func distance(from start: Coordinate, to end: Coordinate) -> Double {
        inverse(from: start, to: end).distance
    }

    /// Great-circle distance on the sphere of mean radius with the haversine formula (R. W. Sinnott,
    /// "Virtues of the Haversine", Sky and Telescope 68(2), 1984). Error up to about 0.5 % against the ellipsoid.
    public static func haversineDistance(from start: Coordinate, to end: Coordinate) -> Double {
        let phi1 = start.latitude * degrees
        let phi2 = end.latitude * degrees
        let dPhi = phi2 - phi1
        let dLambda = (end.longitude - start.longitude) * degrees
        let h = sin(dPhi / 2) * sin(dPhi / 2) + cos(phi1) * cos(phi2) * sin(dLambda / 2) * sin(dLambda / 2)
        return 2 * meanRadius * asin(min(1, h.squareRoot()))
    }

    /// Short-range distance: equirectangular projection using the ellipsoid's meridional (M) and prime-vertical
    /// (N) radii of curvature at the mean latitude (e.g. Snyder, "Map Projections — A Working Manual", USGS 1987,
    /// eq. 4-18 and 4-20). Relative error below 1e-6 for segments of a few hundred metres, growing with the
    /// square of the length; use it only for consecutive track points.
    public static func localDistance(from start: Coordinate, to end: Coordinate) -> Double {
        let (north, east) = localOffset(from: start, to: end)
        return (north * north + east * east).squareRoot()
    }

    /// Metres north and east of `start` to `end` in the local equirectangular frame of ``localDistance(from:to:)``.
    public static func localOffset(from start: Coordinate, to end: Coordinate) -> (north: Double, east: Double) {
        let meanLatitude = (start.latitude + end.latitude) / 2 * degrees
        let sinPhi = sin(meanLatitude)
        let w2 = 1 - eccentricitySquared * sinPhi * sinPhi
        let w = w2.squareRoot()
        let n = semiMajorAxis / w
        let m = n * (1 - eccentricitySquared) / w2
        var dLambda = end.longitude - start.longitude
        if dLambda > 180 { dLambda -= 360 } else if dLambda < -180 { dLambda += 360 }
        let north = (end.latitude - start.latitude) * degrees * m
        // cos φ from sin φ (φ within ±90°, so cos φ ≥ 0): one libm call per hop instead of two.
        let east = dLambda * degrees * n * (1 - sinPhi * sinPhi).squareRoot()
        return (north, east)
    }

    /// The distance a track travels between consecutive points: ``localDistance(from:to:)`` for short hops,
    /// Vincenty for longer ones (GPS gaps, tunnels).
    public static func trackDistance(from start: Coordinate, to end: Coordinate) -> Double {
        let local = localDistance(from: start, to: end)
        return local <= localDistanceLimit ? local : distance(from: start, to: end)
    }

    /// Initial great-circle bearing, degrees clockwise from true north in 0..<360; `nil` for coincident points.
    /// Spherical formula (e.g. Williams, "Aviation Formulary"); within 0.2° of the ellipsoidal azimuth,
    /// which ``inverse(from:to:)`` gives exactly.
    public static func bearing(from start: Coordinate, to end: Coordinate) -> Double? {
        let phi1 = start.latitude * degrees
        let phi2 = end.latitude * degrees
        let dLambda = (end.longitude - start.longitude) * degrees
        let y = sin(dLambda) * cos(phi2)
        let x = cos(phi1) * sin(phi2) - sin(phi1) * cos(phi2) * cos(dLambda)
        if abs(x) < 1e-15 && abs(y) < 1e-15 { return nil }
        return normalized(atan2(y, x) / degrees)
    }

    private static func normalized(_ angle: Double) -> Double {
        let value = angle.truncatingRemainder(dividingBy: 360)
        let positive = value < 0 ? value + 360 : value
        return positive >= 360 ? 0 : positive
    }
}
