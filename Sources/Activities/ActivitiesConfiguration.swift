/// Settings of the Activities context, read from the environment by `App`.
public struct ActivitiesConfiguration: Sendable {
    /// Largest accepted upload (the file as sent), bytes (`STAMINA_MAX_UPLOAD_SIZE`).
    public var maxUploadSize = 64 << 20
    /// Largest size a gzipped upload may inflate to, bytes.
    public var maxInflatedSize = 256 << 20
    /// Most points a JSON upload may carry.
    public var maxJSONPoints = 200_000
    /// Douglas–Peucker tolerance for the route polyline and GeoJSON, metres.
    public var routeTolerance = 5.0
    /// Where original files are kept.
    public var fileDirectory: String

    public init(fileDirectory: String) {
        self.fileDirectory = fileDirectory
    }
}
