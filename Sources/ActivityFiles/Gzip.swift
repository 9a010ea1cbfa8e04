import CZlib
import Foundation

/// gzip (RFC 1952) decompression, for uploads such as Strava's `.gpx.gz`, `.tcx.gz` and `.fit.gz`.
public enum Gzip {
    /// Whether the bytes start with the gzip signature (`1f 8b`, method deflate).
    public static func isGzip(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 3 && bytes[0] == 0x1F && bytes[1] == 0x8B && bytes[2] == 0x08
    }

    /// The decompressed bytes of a gzip file; several concatenated members (as `cat a.gz b.gz`
    /// makes) are decompressed one after the other. Padding or other bytes after the last member
    /// are ignored, as `gzip -d` does.
    ///
    /// - Parameter limit: the most bytes the output may have; a file that expands further (a "zip
    ///   bomb", or simply too large) is rejected with `.tooLarge` before more memory is used.
    /// - Throws: `.wrongFormat` when the bytes are not gzip, `.truncated` when the stream ends
    ///   early, `.checksum` when a member's CRC-32 or length does not match, `.corrupt` when the
    ///   deflate data is invalid, `.tooLarge` past `limit`.
    public static func decompress(_ bytes: [UInt8], limit: Int) throws(ActivityFileError) -> [UInt8] {
        guard isGzip(bytes) else {
            throw ActivityFileError(.wrongFormat, "gzip: the file is not gzip-compressed (no 1f 8b signature)")
        }
        var output: [UInt8] = []
        output.reserveCapacity(max(0, min(limit, bytes.count * 4)))
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        var stream = z_stream()
        // 16 + MAX_WBITS: expect a gzip header and trailer.
        guard inflateInit2_(&stream, 16 + MAX_WBITS, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw ActivityFileError(.corrupt, "gzip: zlib could not start")
        }
        defer { inflateEnd(&stream) }

        var consumed = 0
        while true {
            // One member.
            var result: Int32 = Z_OK
            repeat {
                let remaining = bytes.count - consumed
                let (status, used, produced) = bytes.withUnsafeBufferPointer { input in
                    chunk.withUnsafeMutableBufferPointer { out in
                        stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress! + consumed)
                        stream.avail_in = UInt32(clamping: remaining)
                        stream.next_out = out.baseAddress
                        stream.avail_out = UInt32(out.count)
                        let status = inflate(&stream, Z_NO_FLUSH)
                        let used = min(remaining, Int(UInt32(clamping: remaining))) - Int(stream.avail_in)
                        return (status, used, out.count - Int(stream.avail_out))
                    }
                }
                consumed += used
                result = status
                if produced > 0 {
                    guard output.count + produced <= limit else {
                        throw ActivityFileError(
                            .tooLarge,
                            "gzip: the file expands to more than \(describe(limit)); the limit is there to refuse zip bombs"
                        )
                    }
                    output.append(contentsOf: chunk[0..<produced])
                }
                switch status {
                case Z_OK, Z_STREAM_END:
                    break
                case Z_BUF_ERROR:
                    // No progress possible: the input ran out before the member's end.
                    if consumed >= bytes.count {
                        throw ActivityFileError(
                            .truncated, "gzip: the file ends inside the compressed data; it looks cut off")
                    }
                case Z_DATA_ERROR:
                    let message = stream.msg.map { String(cString: $0) } ?? "invalid data"
                    if message.contains("check") {
                        throw ActivityFileError(.checksum, "gzip: \(message): the decompressed data is damaged")
                    }
                    throw ActivityFileError(.corrupt, "gzip: the compressed data is damaged (\(message))")
                default:
                    throw ActivityFileError(.corrupt, "gzip: zlib failed with status \(status)")
                }
                if status == Z_OK, used == 0, produced == 0, consumed >= bytes.count {
                    throw ActivityFileError(
                        .truncated, "gzip: the file ends inside the compressed data; it looks cut off")
                }
            } while result != Z_STREAM_END

            let rest = bytes[consumed...]
            guard rest.count >= 3, rest.starts(with: [0x1F, 0x8B, 0x08]) else { return output }
            guard inflateReset(&stream) == Z_OK else {
                throw ActivityFileError(.corrupt, "gzip: zlib could not start the next member")
            }
        }
    }

    private static func describe(_ limit: Int) -> String {
        limit >= 1 << 20 ? "\(limit >> 20) MiB" : "\(limit) bytes"
    }
}
