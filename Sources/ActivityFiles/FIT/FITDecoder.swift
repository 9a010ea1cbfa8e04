/// Decodes FIT activity files ("Flexible and Interoperable Data Transfer", Garmin's FIT SDK) into the
/// canonical `Track`.
///
/// Reads the whole binary protocol: 12- and 14-byte file headers with their CRC, normal and
/// compressed-timestamp record headers, definition messages in either byte order with local message
/// redefinition, every base type and its invalid value, developer fields (skipped), and chained
/// files (several FIT files concatenated). Header and file CRCs are checked.
///
/// From the messages it takes `file_id` (only activity files are accepted), `device_info` and
/// `file_creator` (device), `session` (sport, sub-sport, totals), `lap`, `record` (points),
/// `event` (timer start/stop) and `hrv` (RR intervals).
public struct FITDecoder: Sendable {
    public init() {}

    /// Decodes one FIT file, or several chained ones, into a single track.
    ///
    /// - Throws: `ActivityFileError` with code `.empty` (nothing to import), `.truncated`,
    ///   `.wrongFormat` (no ".FIT" signature), `.checksum` (header or file CRC mismatch), `.corrupt`
    ///   (structure the protocol does not allow, e.g. an undefined local message) or `.unsupported`
    ///   (a FIT file that is not an activity, such as a course).
    public func decode(_ bytes: [UInt8]) throws(ActivityFileError) -> Track {
        guard !bytes.isEmpty else {
            throw ActivityFileError(.empty, "The FIT file is empty (0 bytes)")
        }
        var builder = FITTrackBuilder()
        builder.points.reserveCapacity(bytes.count / 24)
        // withUnsafeBytes only rethrows untyped errors, hence the Result.
        let parsed: Result<Void, ActivityFileError> = bytes.withUnsafeBytes { raw in
            do throws(ActivityFileError) {
                var start = 0
                repeat {
                    start = try decodeFile(raw, at: start, into: &builder)
                    // Some writers pad the end with zeros; anything else must be another FIT file.
                } while start < raw.count && raw[start...].contains(where: { $0 != 0 })
                return .success(())
            } catch {
                return .failure(error)
            }
        }
        try parsed.get()
        return try builder.track()
    }

    /// Checks and decodes the FIT file starting at `start`; returns where it ends.
    private func decodeFile(
        _ bytes: UnsafeRawBufferPointer, at start: Int, into builder: inout FITTrackBuilder
    ) throws(ActivityFileError) -> Int {
        let part = start == 0 ? "FIT file" : "Chained FIT file at byte \(start)"
        let available = bytes.count - start
        guard available >= 12 else {
            throw ActivityFileError(.truncated, "\(part) is truncated: its header needs 12 bytes, \(available) remain")
        }
        guard bytes[start + 8] == 0x2E, bytes[start + 9] == 0x46, bytes[start + 10] == 0x49, bytes[start + 11] == 0x54
        else {
            throw ActivityFileError(.wrongFormat, "Not a FIT file: the '.FIT' signature is missing from its header")
        }
        // "FIT Protocol" 3.3: header size 12 (legacy) or 14 (with header CRC).
        let headerSize = Int(bytes[start])
        guard headerSize == 12 || headerSize >= 14 else {
            throw ActivityFileError(.corrupt, "\(part) has a header size of \(headerSize) bytes; expected 12 or 14")
        }
        guard available >= headerSize else {
            throw ActivityFileError(
                .truncated, "\(part) is truncated: its header needs \(headerSize) bytes, \(available) remain")
        }
        if headerSize >= 14 {
            let stored = UInt16(bytes[start + 12]) | UInt16(bytes[start + 13]) << 8
            // A header CRC of zero means the writer did not compute one.
            if stored != 0 {
                let computed = FITCRC.compute(bytes, from: start, to: start + 12)
                guard stored == computed else {
                    throw ActivityFileError(
                        .checksum, "\(part) header CRC mismatch: \(Self.mismatch(stored, computed))")
                }
            }
        }
        let dataSize =
            Int(bytes[start + 4]) | Int(bytes[start + 5]) << 8 | Int(bytes[start + 6]) << 16
            | Int(bytes[start + 7]) << 24
        let dataStart = start + headerSize
        let dataEnd = dataStart + dataSize
        guard dataEnd + 2 <= bytes.count else {
            throw ActivityFileError(
                .truncated,
                "\(part) is truncated: its header announces \(dataSize) bytes of data and a 2-byte CRC, "
                    + "but only \(bytes.count - dataStart) bytes follow the header")
        }
        let stored = UInt16(bytes[dataEnd]) | UInt16(bytes[dataEnd + 1]) << 8
        let computed = FITCRC.compute(bytes, from: start, to: dataEnd)
        guard stored == computed else {
            throw ActivityFileError(.checksum, "\(part) CRC mismatch: \(Self.mismatch(stored, computed))")
        }
        var parser = FITDataParser()
        try parser.parse(bytes, from: dataStart, to: dataEnd, into: &builder)
        return dataEnd + 2
    }

    private static func mismatch(_ stored: UInt16, _ computed: UInt16) -> String {
        "expected \(hex(stored)), computed \(hex(computed))"
    }

    private static func hex(_ value: UInt16) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return "0x" + String(repeating: "0", count: 4 - digits.count) + digits
    }
}
