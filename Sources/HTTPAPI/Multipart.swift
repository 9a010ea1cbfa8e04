import Foundation

/// One part of a `multipart/form-data` body (RFC 7578).
public struct MultipartPart: Sendable {
    /// The `name` of the part's Content-Disposition.
    public var name: String
    public var filename: String?
    public var contentType: String?
    public var body: [UInt8]

    /// The body as UTF-8 text.
    public var text: String { String(decoding: body, as: UTF8.self) }
}

/// Splits a complete `multipart/form-data` body into its parts.
public enum Multipart {
    /// The boundary parameter of a `multipart/form-data` content type, if it is one.
    public static func boundary(contentType: String) -> String? {
        let parts = contentType.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.first?.lowercased() == "multipart/form-data" else { return nil }
        for parameter in parts.dropFirst() where parameter.lowercased().hasPrefix("boundary=") {
            let value = parameter.dropFirst("boundary=".count)
            let unquoted =
                value.hasPrefix("\"") && value.hasSuffix("\"") && value.count >= 2
                ? value.dropFirst().dropLast() : value
            return unquoted.isEmpty || unquoted.count > 70 ? nil : String(unquoted)
        }
        return nil
    }

    /// The parts of `body`; `nil` when the body is not well-formed multipart with that boundary.
    public static func parse(_ body: [UInt8], boundary: String) -> [MultipartPart]? {
        body.withUnsafeBytes { parse($0, boundary: boundary) }
    }

    /// The parts of the bytes in `body` (for instance a request's `ByteBuffer`, without copying it
    /// first); `nil` when the body is not well-formed multipart with that boundary. Only the parts'
    /// bodies are copied out.
    public static func parse(_ body: UnsafeRawBufferPointer, boundary: String) -> [MultipartPart]? {
        let delimiter = Array("--\(boundary)".utf8)
        let partEnd = Array("\r\n--\(boundary)".utf8)
        let headersEnd = Array("\r\n\r\n".utf8)
        guard var position = find(delimiter, in: body, from: 0) else { return nil }
        var parts: [MultipartPart] = []
        while true {
            position += delimiter.count
            // "--" after a delimiter ends the body.
            if position + 1 < body.count, body[position] == UInt8(ascii: "-"), body[position + 1] == UInt8(ascii: "-") {
                return parts
            }
            guard let headerStart = skipLineBreak(body, position),
                let headerEnd = find(headersEnd, in: body, from: headerStart)
            else { return nil }
            let headers = String(
                decoding: UnsafeRawBufferPointer(rebasing: body[headerStart..<headerEnd]), as: UTF8.self)
            let contentStart = headerEnd + 4
            guard let next = find(partEnd, in: body, from: contentStart) else { return nil }
            guard var part = self.part(headers: headers) else { return nil }
            part.body = Array(UnsafeRawBufferPointer(rebasing: body[contentStart..<next]))
            parts.append(part)
            position = next + 2
        }
    }

    private static func part(headers: String) -> MultipartPart? {
        var name: String?
        var filename: String?
        var contentType: String?
        for line in headers.split(separator: "\r\n") {
            let pieces = line.split(separator: ":", maxSplits: 1)
            guard pieces.count == 2 else { continue }
            let value = pieces[1].trimmingCharacters(in: .whitespaces)
            switch pieces[0].lowercased().trimmingCharacters(in: .whitespaces) {
            case "content-disposition":
                for parameter in value.split(separator: ";").dropFirst() {
                    let pair = parameter.split(separator: "=", maxSplits: 1).map {
                        $0.trimmingCharacters(in: .whitespaces)
                    }
                    guard pair.count == 2 else { continue }
                    let unquoted =
                        pair[1].hasPrefix("\"") && pair[1].hasSuffix("\"") && pair[1].count >= 2
                        ? String(pair[1].dropFirst().dropLast()) : pair[1]
                    switch pair[0].lowercased() {
                    case "name": name = unquoted
                    case "filename": filename = unquoted
                    default: break
                    }
                }
            case "content-type":
                contentType = value
            default:
                break
            }
        }
        guard let name else { return nil }
        return MultipartPart(name: name, filename: filename, contentType: contentType, body: [])
    }

    private static func skipLineBreak(_ body: UnsafeRawBufferPointer, _ position: Int) -> Int? {
        guard position + 1 < body.count, body[position] == 13, body[position + 1] == 10 else { return nil }
        return position + 2
    }

    /// The first index of `needle` in `haystack` at or after `start`: `memchr` to each candidate
    /// first byte (a file part is mostly bytes that are not), then a comparison of the rest.
    static func find(_ needle: [UInt8], in haystack: UnsafeRawBufferPointer, from start: Int) -> Int? {
        guard let first = needle.first, let base = haystack.baseAddress else { return nil }
        let last = haystack.count - needle.count
        var index = start
        while index <= last {
            guard let hit = memchr(base + index, Int32(first), last - index + 1) else { return nil }
            index = base.distance(to: UnsafeRawPointer(hit))
            if needle.withUnsafeBytes({ memcmp(base + index, $0.baseAddress!, needle.count) }) == 0 { return index }
            index += 1
        }
        return nil
    }
}
