import Foundation

/// Settings of live tracking.
public struct LiveConfiguration: Sendable, Equatable {
    /// Seconds without any message after which an open session is closed as abandoned (and recorded).
    public var abandonAfter: TimeInterval = 3_600
    /// Largest WebSocket frame accepted from a device or spectator, in bytes.
    public var maxFrameSize = 1 << 16
    /// Most points in one `points` message.
    public var maxPointsPerMessage = 1_000
    /// Seconds between live metrics sent to a device.
    public var metricsInterval: TimeInterval = 1
    /// How far ahead of the server's clock a point's time may be (device clocks drift), in seconds.
    public var maxClockSkew: TimeInterval = 300
    /// Base of share-link URLs (`<base>/api/v1/realtime/live/<session>?share=<token>`); relative when empty.
    public var publicBaseURL = ""

    public init() {}
}
