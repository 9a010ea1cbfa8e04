/// Decodes an uploaded activity file, choosing the decoder by the file name's extension
/// (`.fit`, `.gpx`, `.tcx`, each optionally `.gz`).
public enum ActivityFile {
    /// The format named by a file name, and whether it is gzipped; `nil` for other extensions.
    public static func format(ofFileName name: String) -> (format: ActivityFileFormat, gzipped: Bool)? {
        var lowered = name.lowercased()
        let gzipped = lowered.hasSuffix(".gz")
        if gzipped { lowered.removeLast(3) }
        for format in [ActivityFileFormat.fit, .gpx, .tcx] where lowered.hasSuffix("." + format.rawValue) {
            return (format, gzipped)
        }
        return nil
    }

    /// Decodes `bytes` as `format`, inflating gzip first (at most `maxInflatedSize` bytes), into a
    /// track with one point per instant.
    public static func decode(
        _ bytes: [UInt8], format: ActivityFileFormat, gzipped: Bool, maxInflatedSize: Int
    ) throws(ActivityFileError) -> Track {
        if gzipped && !Gzip.isGzip(bytes) {
            throw ActivityFileError(.wrongFormat, "The file is named .gz but is not gzip-compressed.")
        }
        let content = gzipped ? try Gzip.decompress(bytes, limit: maxInflatedSize) : bytes
        let track: Track
        switch format {
        case .fit: track = try FITDecoder().decode(content)
        case .gpx: track = try GPXDecoder().decode(content)
        case .tcx: track = try TCXDecoder().decode(content)
        case .manual: throw ActivityFileError(.unsupported, "Manual activities have no file format.")
        }
        return track.mergingDuplicateTimes()
    }
}
