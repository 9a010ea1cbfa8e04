import Foundation

/// A small pull tokenizer for the XML that activity files use, over bytes the caller keeps alive.
///
/// It reports start and end tags (a self-closing tag is a start followed by an end), character
/// data and CDATA; it skips the XML declaration, processing instructions, comments and a DOCTYPE
/// (whose entities it never expands). Names are matched on their local part, so `gpxtpx:hr`,
/// `ns3:hr` and `hr` are the same element. Well-formedness is checked where it costs nothing: tags
/// must nest, attributes must be quoted, entities must be known; the file must not end inside a
/// construct or with elements open.
///
/// Text is not copied until a caller asks for it, and numbers and timestamps are parsed straight
/// from the bytes (see ``XMLScalars``), which is what makes a 50,000-point GPX decode in
/// milliseconds.
struct XMLTokenizer {
    enum Event: Equatable {
        case startElement
        case endElement
        case text
        case endOfDocument
    }

    /// An attribute of the current start tag, as byte ranges into the source.
    struct Attribute {
        var localName: Range<Int>
        var value: Range<Int>
    }

    /// A character-data chunk of the source: raw text (entities still encoded) or CDATA (verbatim).
    struct TextChunk {
        var range: Range<Int>
        var isCDATA: Bool
    }

    let bytes: UnsafeBufferPointer<UInt8>
    /// Prefix for error messages (`GPX`, `TCX`).
    let formatName: String
    /// True when the declaration names ISO-8859-1 or windows-1252: strings are then decoded as Latin-1.
    private(set) var isLatin1 = false
    private var position = 0

    /// The local name of the element just started or ended.
    private(set) var localName: Range<Int> = 0..<0
    /// Offset of the `<` of the current tag, for line numbers in messages.
    private(set) var tagOffset = 0
    /// Attributes of the current start tag are `attributeStorage[..<attributeCount]`; the storage is
    /// reused from tag to tag.
    private var attributeStorage: [Attribute] = []
    private var attributeCount = 0
    /// The text of the current `.text` event.
    private(set) var text = TextChunk(range: 0..<0, isCDATA: false)

    private var pendingEnd = false
    /// Start tags read, for a look at cancellation every few thousand.
    private var startTags = 0
    /// Where the document starts, after a byte order mark.
    private let bodyStart: Int
    private var sawRoot = false
    private var rootClosed = false
    /// Qualified names and tag offsets of open elements.
    private var open: [(name: Range<Int>, local: Range<Int>, offset: Int)] = []

    /// True for a tokenizer of a run of elements inside a document (see `init(_:formatName:fragmentAt:)`).
    private let isFragment: Bool
    /// In a fragment: where the end tag that stopped it starts, once it has.
    private(set) var fragmentEnd: Int?

    init(_ bytes: UnsafeBufferPointer<UInt8>, formatName: String) {
        self.bytes = bytes
        self.formatName = formatName
        open.reserveCapacity(16)
        attributeStorage.reserveCapacity(8)
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { position = 3 }
        bodyStart = position
        isFragment = false
    }

    /// A tokenizer of the sibling elements that start at `offset` inside a document: it reads them
    /// (and whatever lies between them) as the document's tokenizer would, and ends, reporting
    /// `.endOfDocument`, at the end tag of their parent, which it leaves unread (`fragmentEnd`).
    /// `isLatin1` is what the document's declaration says (see `isLatin1`).
    init(_ bytes: UnsafeBufferPointer<UInt8>, formatName: String, fragmentAt offset: Int, isLatin1: Bool) {
        self.bytes = bytes
        self.formatName = formatName
        self.isLatin1 = isLatin1
        open.reserveCapacity(16)
        attributeStorage.reserveCapacity(8)
        position = offset
        bodyStart = offset
        sawRoot = true
        isFragment = true
    }

    /// Continues after an element whose start tag was just reported and whose content up to
    /// `offset`, where its parent's end tag starts, another tokenizer read (`fragmentEnd`).
    mutating func skipReadElements(to offset: Int) {
        open.removeLast()
        pendingEnd = false
        position = offset
    }

    /// Number of open elements; the root element is depth 1 while open.
    var depth: Int { open.count }

    // MARK: Events

    /// The next event. Whitespace-only character data (indentation) is not reported: no value in
    /// an activity file depends on it, and skipping it halves the events of an indented file.
    mutating func next() throws(ActivityFileError) -> Event {
        if pendingEnd {
            pendingEnd = false
            closeInnermost()
            return .endElement
        }
        let end = bytes.count
        while position < end {
            if bytes[position] != UInt8(ascii: "<") {
                let start = position
                // Indentation first: a run of whitespace that ends at a tag is no event.
                while position < end, XMLScalars.isSpace(bytes[position]) { position += 1 }
                if position < end, bytes[position] == UInt8(ascii: "<") { continue }
                position = findTagStart(from: position)
                if open.isEmpty {
                    // Outside the root only whitespace may appear.
                    if !isWhitespace(start..<position) {
                        if !sawRoot { throw notXML() }
                        if rootClosed { return .endOfDocument }
                    }
                    continue
                }
                text = TextChunk(range: start..<position, isCDATA: false)
                return .text
            }
            if rootClosed { return .endOfDocument }
            tagOffset = position
            guard position + 1 < end else { throw truncated("inside a tag") }
            switch bytes[position + 1] {
            case UInt8(ascii: "?"):
                try skipProcessingInstruction()
            case UInt8(ascii: "!"):
                if let chunk = try skipMarkupDeclaration() {
                    text = chunk
                    return .text
                }
            case UInt8(ascii: "/"):
                if isFragment, open.isEmpty {
                    fragmentEnd = position
                    return .endOfDocument
                }
                try readEndTag()
                return .endElement
            default:
                startTags &+= 1
                if startTags & 0xFFF == 0, Task.isCancelled { throw ActivityFileError.cancelled }
                try readStartTag()
                return .startElement
            }
        }
        if !sawRoot {
            if isWhitespace(bodyStart..<end) {
                throw ActivityFileError(.empty, "\(formatName): the file is empty")
            }
            throw ActivityFileError(.truncated, "\(formatName): the file ends before its root element")
        }
        if let innermost = open.last {
            throw ActivityFileError(
                .truncated,
                "\(formatName): the file ends inside <\(string(innermost.name))> (opened at line \(line(of: innermost.offset))); it looks cut off"
            )
        }
        return .endOfDocument
    }

    /// Advances to the next child of the current element, passing over its text: true at a child's
    /// start (read it or skip it), false at the current element's end or the document's end. The
    /// loop of every element reader: `while try xml.nextChild() { … }`.
    mutating func nextChild() throws(ActivityFileError) -> Bool {
        while true {
            switch try next() {
            case .startElement: return true
            case .endElement, .endOfDocument: return false
            case .text: continue
            }
        }
    }

    /// Skips the rest of the element whose start was just reported.
    mutating func skipElement() throws(ActivityFileError) {
        let target = depth - 1
        while depth > target {
            if try next() == .endOfDocument { return }
        }
    }

    /// The character data of the element whose start was just reported, up to its end tag; text of
    /// nested elements is ignored. Consumes the end tag.
    mutating func elementText() throws(ActivityFileError) -> XMLText {
        let target = depth - 1
        var single: TextChunk?
        var combined: [UInt8]?
        while true {
            switch try next() {
            case .text:
                if depth != target + 1 { continue }
                if combined != nil {
                    try appendDecoded(text, to: &combined!)
                } else if let first = single {
                    var buffer: [UInt8] = []
                    try appendDecoded(first, to: &buffer)
                    try appendDecoded(text, to: &buffer)
                    combined = buffer
                    single = nil
                } else {
                    single = text
                }
            case .endElement:
                if depth == target {
                    if let combined { return XMLText(raw: 0..<0, decoded: combined) }
                    guard let single else { return XMLText(raw: 0..<0, decoded: nil) }
                    if !single.isCDATA, find(UInt8(ascii: "&"), in: single.range) != nil {
                        var buffer: [UInt8] = []
                        try appendDecoded(single, to: &buffer)
                        return XMLText(raw: 0..<0, decoded: buffer)
                    }
                    return XMLText(raw: single.range, decoded: nil)
                }
            case .startElement:
                continue
            case .endOfDocument:
                return XMLText(raw: 0..<0, decoded: nil)
            }
        }
    }

    // MARK: Names, attributes and strings

    /// Whether the current element's (or an attribute's) local name is `name`.
    // Inlined: a call would copy the whole tokenizer to pass `self` from mutating callers.
    @inline(__always)
    func localName(_ range: Range<Int>, is name: StaticString) -> Bool {
        let count = name.utf8CodeUnitCount
        guard range.count == count else { return false }
        return Self.equal(bytes.baseAddress! + range.lowerBound, name.utf8Start, count)
    }

    /// Whether the current element's local name is `name`.
    // Inlined: a call would copy the whole tokenizer to pass `self` from mutating callers.
    @inline(__always)
    func isNamed(_ name: StaticString) -> Bool { localName(localName, is: name) }

    /// The value of the attribute with the given local name, entities decoded.
    // Inlined: a call would copy the whole tokenizer to pass `self` from mutating callers.
    @inline(__always)
    func attribute(_ name: StaticString) throws(ActivityFileError) -> XMLText? {
        for attribute in attributeStorage[..<attributeCount] where localName(attribute.localName, is: name) {
            if find(UInt8(ascii: "&"), in: attribute.value) == nil {
                return XMLText(raw: attribute.value, decoded: nil)
            }
            var buffer: [UInt8] = []
            try appendDecoded(TextChunk(range: attribute.value, isCDATA: false), to: &buffer)
            return XMLText(raw: 0..<0, decoded: buffer)
        }
        return nil
    }

    /// Calls `body` with the bytes of `text`.
    // Inlined: a call would copy the whole tokenizer to pass `self` from mutating callers.
    @inline(__always)
    func withBytes<R>(of text: XMLText, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        if let decoded = text.decoded {
            return decoded.withUnsafeBufferPointer(body)
        }
        return body(UnsafeBufferPointer(rebasing: bytes[text.raw]))
    }

    /// `text` as a String with surrounding whitespace removed; nil when that leaves nothing.
    func string(_ text: XMLText) -> String? {
        let latin1 = isLatin1
        return withBytes(of: text) { buffer -> String? in
            var start = 0
            var end = buffer.count
            while start < end, XMLScalars.isSpace(buffer[start]) { start += 1 }
            while end > start, XMLScalars.isSpace(buffer[end - 1]) { end -= 1 }
            guard start < end else { return nil }
            let slice = UnsafeBufferPointer(rebasing: buffer[start..<end])
            if latin1 {
                return String(String.UnicodeScalarView(slice.map { Unicode.Scalar($0) }))
            }
            return String(decoding: slice, as: UTF8.self)
        }
    }

    /// The source bytes of `range` as a String (for names in messages).
    func string(_ range: Range<Int>) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)
    }

    /// The 1-based line of a byte offset; counted on demand, since only messages need it.
    func line(of offset: Int) -> Int {
        var line = 1
        var index = 0
        let limit = min(offset, bytes.count)
        while index < limit {
            if bytes[index] == 0x0A { line += 1 }
            index += 1
        }
        return line
    }

    /// The line of the current tag.
    var currentLine: Int { line(of: tagOffset) }

    // MARK: Tags

    private mutating func readStartTag() throws(ActivityFileError) {
        let end = bytes.count
        position += 1
        let nameStart = position
        var colon = -1
        while position < end {
            let byte = bytes[position]
            // Letters and digits, the bulk of every name, first.
            if byte >= 0x41 || (byte >= 0x30 && byte <= 0x39) {
                position += 1
                continue
            }
            if XMLScalars.isSpace(byte) || byte == UInt8(ascii: ">") || byte == UInt8(ascii: "/") { break }
            if byte == UInt8(ascii: "<") || byte == UInt8(ascii: "=") || byte == UInt8(ascii: "\"") {
                throw corrupt("has a malformed tag")
            }
            if byte == UInt8(ascii: ":") { colon = position }
            position += 1
        }
        guard position < end else { throw truncated("inside a tag") }
        guard position > nameStart else { throw corrupt("has a tag without a name") }
        let name = nameStart..<position
        // Kept in a local for the `open` entries below: reading `localName` back right after
        // storing it stalls the store forwarding, which showed as a quarter of this function.
        let local = (colon >= 0 ? colon + 1 : nameStart)..<position
        localName = local
        sawRoot = true
        attributeCount = 0
        while true {
            skipSpaces()
            guard position < end else { throw truncated("inside the tag <\(string(name))>") }
            let byte = bytes[position]
            if byte == UInt8(ascii: ">") {
                position += 1
                open.append((name, local, tagOffset))
                return
            }
            if byte == UInt8(ascii: "/") {
                guard position + 1 < end else { throw truncated("inside the tag <\(string(name))>") }
                guard bytes[position + 1] == UInt8(ascii: ">") else {
                    throw corrupt("has a malformed tag <\(string(name))>")
                }
                position += 2
                open.append((name, local, tagOffset))
                pendingEnd = true
                return
            }
            try readAttribute(in: name)
        }
    }

    private mutating func readAttribute(in element: Range<Int>) throws(ActivityFileError) {
        let end = bytes.count
        let nameStart = position
        var localStart = position
        while position < end {
            let byte = bytes[position]
            if byte >= 0x41 {
                position += 1
                continue
            }
            if XMLScalars.isSpace(byte) || byte == UInt8(ascii: "=") || byte == UInt8(ascii: ">")
                || byte == UInt8(ascii: "/") || byte == UInt8(ascii: "<")
            {
                break
            }
            if byte == UInt8(ascii: ":") { localStart = position + 1 }
            position += 1
        }
        let nameEnd = position
        skipSpaces()
        guard position < end else { throw truncated("inside the tag <\(string(element))>") }
        guard nameEnd > nameStart, bytes[position] == UInt8(ascii: "=") else {
            throw corrupt("has a malformed attribute in <\(string(element))>")
        }
        position += 1
        skipSpaces()
        guard position < end else { throw truncated("inside the tag <\(string(element))>") }
        let quote = bytes[position]
        guard quote == UInt8(ascii: "\"") || quote == UInt8(ascii: "'") else {
            throw corrupt("has an unquoted attribute value in <\(string(element))>")
        }
        let valueStart = position + 1
        guard let valueEnd = find(quote, from: valueStart) else {
            throw truncated("inside the tag <\(string(element))>")
        }
        if find(UInt8(ascii: "<"), in: valueStart..<valueEnd) != nil {
            throw corrupt("has a '<' inside an attribute value of <\(string(element))>")
        }
        position = valueEnd + 1
        let attribute = Attribute(localName: localStart..<nameEnd, value: valueStart..<valueEnd)
        if attributeCount < attributeStorage.count {
            attributeStorage[attributeCount] = attribute
        } else {
            attributeStorage.append(attribute)
        }
        attributeCount += 1
    }

    private mutating func readEndTag() throws(ActivityFileError) {
        let end = bytes.count
        position += 2
        let nameStart = position
        // The common case first: the innermost element's name right before `>`, checked by one
        // comparison instead of a scan for the end of the name and then a comparison.
        if let innermost = open.last {
            let close = nameStart + innermost.name.count
            if close < end, bytes[close] == UInt8(ascii: ">"),
                Self.equal(
                    bytes.baseAddress! + innermost.name.lowerBound, bytes.baseAddress! + nameStart,
                    innermost.name.count)
            {
                position = close + 1
                closeInnermost()
                return
            }
        }
        while position < end {
            let byte = bytes[position]
            if byte != UInt8(ascii: ">"), !XMLScalars.isSpace(byte) {
                position += 1
                continue
            }
            break
        }
        let name = nameStart..<position
        skipSpaces()
        guard position < end else { throw truncated("inside the end tag </\(string(name))>") }
        guard bytes[position] == UInt8(ascii: ">") else { throw corrupt("has a malformed end tag </\(string(name))>") }
        position += 1
        guard let innermost = open.last else { throw corrupt("has an end tag </\(string(name))> without a start tag") }
        let expected = innermost.name
        guard
            expected.count == name.count,
            Self.equal(bytes.baseAddress! + expected.lowerBound, bytes.baseAddress! + name.lowerBound, name.count)
        else {
            throw corrupt(
                "has </\(string(name))> where </\(string(expected))> (opened at line \(line(of: innermost.offset))) should close"
            )
        }
        closeInnermost()
    }

    /// Pops the innermost open element, whose end was just read.
    @inline(__always)
    private mutating func closeInnermost() {
        localName = open.removeLast().local
        if open.isEmpty, !isFragment { rootClosed = true }
    }

    // MARK: Declarations, comments, CDATA

    private mutating func skipProcessingInstruction() throws(ActivityFileError) {
        let start = position
        guard let close = find(sequence: "?>", from: position + 2) else {
            throw truncated("inside a processing instruction")
        }
        // The XML declaration may name a single-byte encoding.
        if start + 5 <= bytes.count, localName(start + 2..<start + 5, is: "xml") {
            let declaration = string(start..<close).lowercased()
            if declaration.contains("iso-8859-1") || declaration.contains("windows-1252")
                || declaration.contains("latin1")
            {
                isLatin1 = true
            } else if declaration.contains("utf-16") {
                throw ActivityFileError(.unsupported, "\(formatName): UTF-16 encoded files are not supported")
            }
        }
        position = close + 2
    }

    /// Skips `<!-- -->` and `<!DOCTYPE>`; returns CDATA as a text chunk.
    private mutating func skipMarkupDeclaration() throws(ActivityFileError) -> TextChunk? {
        if starts(with: "<!--") {
            guard let close = find(sequence: "-->", from: position + 4) else { throw truncated("inside a comment") }
            position = close + 3
            return nil
        }
        if starts(with: "<![CDATA[") {
            guard !open.isEmpty else { throw corrupt("has CDATA outside the root element") }
            let start = position + 9
            guard let close = find(sequence: "]]>", from: start) else { throw truncated("inside a CDATA section") }
            position = close + 3
            return TextChunk(range: start..<close, isCDATA: true)
        }
        if starts(with: "<!DOCTYPE") {
            guard open.isEmpty, !sawRoot else { throw corrupt("has a DOCTYPE inside the document") }
            var index = position + 9
            var bracketDepth = 0
            var quote: UInt8 = 0
            while index < bytes.count {
                let byte = bytes[index]
                if quote != 0 {
                    if byte == quote { quote = 0 }
                } else if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") {
                    quote = byte
                } else if byte == UInt8(ascii: "[") {
                    bracketDepth += 1
                } else if byte == UInt8(ascii: "]") {
                    bracketDepth -= 1
                } else if byte == UInt8(ascii: ">"), bracketDepth <= 0 {
                    position = index + 1
                    return nil
                }
                index += 1
            }
            throw truncated("inside the DOCTYPE")
        }
        if position + 2 >= bytes.count { throw truncated("inside a tag") }
        throw corrupt("has a malformed '<!' declaration")
    }

    // MARK: Entities

    private func appendDecoded(_ chunk: TextChunk, to buffer: inout [UInt8]) throws(ActivityFileError) {
        if chunk.isCDATA {
            buffer.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[chunk.range]))
            return
        }
        var index = chunk.range.lowerBound
        let end = chunk.range.upperBound
        while index < end {
            guard let ampersand = find(UInt8(ascii: "&"), in: index..<end) else {
                buffer.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[index..<end]))
                return
            }
            buffer.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[index..<ampersand]))
            guard let semicolon = find(UInt8(ascii: ";"), in: ampersand..<min(end, ampersand + 12)) else {
                throw corrupt(at: ampersand, "has a '&' that does not start an entity")
            }
            let name = ampersand + 1..<semicolon
            if localName(name, is: "lt") {
                buffer.append(UInt8(ascii: "<"))
            } else if localName(name, is: "gt") {
                buffer.append(UInt8(ascii: ">"))
            } else if localName(name, is: "amp") {
                buffer.append(UInt8(ascii: "&"))
            } else if localName(name, is: "quot") {
                buffer.append(UInt8(ascii: "\""))
            } else if localName(name, is: "apos") {
                buffer.append(UInt8(ascii: "'"))
            } else if name.count >= 2, bytes[name.lowerBound] == UInt8(ascii: "#") {
                guard let scalar = characterReference(name.lowerBound + 1..<name.upperBound) else {
                    throw corrupt(at: ampersand, "has an invalid character reference &\(string(name));")
                }
                UTF8.encode(scalar) { buffer.append($0) }
            } else {
                throw corrupt(at: ampersand, "uses the undefined entity &\(string(name));")
            }
            index = semicolon + 1
        }
    }

    private func characterReference(_ range: Range<Int>) -> Unicode.Scalar? {
        var value: UInt32 = 0
        var index = range.lowerBound
        let hex = bytes[index] == UInt8(ascii: "x")
        if hex { index += 1 }
        guard index < range.upperBound else { return nil }
        while index < range.upperBound {
            let byte = bytes[index]
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f") where hex: digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F") where hex: digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: return nil
            }
            value = value * (hex ? 16 : 10) + digit
            if value > 0x10FFFF { return nil }
            index += 1
        }
        guard value != 0 else { return nil }
        return Unicode.Scalar(value)
    }

    // MARK: Scanning

    private mutating func skipSpaces() {
        while position < bytes.count, XMLScalars.isSpace(bytes[position]) { position += 1 }
    }

    // Inlined: a call would copy the whole tokenizer to pass `self` from mutating callers.
    @inline(__always)
    private func isWhitespace(_ range: Range<Int>) -> Bool {
        for index in range where !XMLScalars.isSpace(bytes[index]) { return false }
        return true
    }

    /// The next `<` from `start`, or the end: a plain loop over the short runs between tags
    /// (indentation, numbers), `memchr` beyond.
    @inline(__always)
    private func findTagStart(from start: Int) -> Int {
        var index = start
        let limit = min(bytes.count, start + 32)
        while index < limit {
            if bytes[index] == UInt8(ascii: "<") { return index }
            index += 1
        }
        return find(UInt8(ascii: "<"), from: index) ?? bytes.count
    }

    // Inlined: a call would copy the whole tokenizer to pass `self` from mutating callers.
    @inline(__always)
    private func find(_ byte: UInt8, from start: Int) -> Int? {
        find(byte, in: start..<bytes.count)
    }

    // Inlined: a call would copy the whole tokenizer to pass `self` from mutating callers.
    @inline(__always)
    private func find(_ byte: UInt8, in range: Range<Int>) -> Int? {
        guard range.lowerBound < range.upperBound else { return nil }
        guard let hit = memchr(bytes.baseAddress! + range.lowerBound, Int32(byte), range.count) else { return nil }
        return bytes.baseAddress!.distance(to: hit.assumingMemoryBound(to: UInt8.self))
    }

    private func find(sequence: StaticString, from start: Int) -> Int? {
        let count = sequence.utf8CodeUnitCount
        let first = sequence.utf8Start.pointee
        var index = start
        while let hit = find(first, from: index) {
            guard hit + count <= bytes.count else { return nil }
            if memcmp(bytes.baseAddress! + hit, sequence.utf8Start, count) == 0 { return hit }
            index = hit + 1
        }
        return nil
    }

    /// Byte equality for the short runs names are, where a loop beats a call to `memcmp`.
    @inline(__always)
    private static func equal(_ left: UnsafePointer<UInt8>, _ right: UnsafePointer<UInt8>, _ count: Int) -> Bool {
        var index = 0
        while index < count {
            if left[index] != right[index] { return false }
            index += 1
        }
        return true
    }

    // Inlined: a call would copy the whole tokenizer to pass `self` from mutating callers.
    @inline(__always)
    private func starts(with prefix: StaticString) -> Bool {
        let count = prefix.utf8CodeUnitCount
        guard position + count <= bytes.count else { return false }
        return memcmp(bytes.baseAddress! + position, prefix.utf8Start, count) == 0
    }

    // MARK: Errors

    private func notXML() -> ActivityFileError {
        if bytes.count >= 2, bytes[0] == 0x1F, bytes[1] == 0x8B {
            return ActivityFileError(
                .wrongFormat, "\(formatName): the file is gzip-compressed; it must be decompressed first")
        }
        return ActivityFileError(
            .wrongFormat, "\(formatName): the file is not XML, so it cannot be a \(formatName) file")
    }

    private func truncated(_ place: String) -> ActivityFileError {
        ActivityFileError(
            .truncated, "\(formatName): the file ends \(place) at line \(line(of: bytes.count)); it looks cut off")
    }

    private func corrupt(_ problem: String) -> ActivityFileError {
        corrupt(at: tagOffset, problem)
    }

    private func corrupt(at offset: Int, _ problem: String) -> ActivityFileError {
        ActivityFileError(.corrupt, "\(formatName): line \(line(of: offset)) \(problem); the XML is malformed")
    }
}

/// Character data of one element: a range of the source when it needed no decoding, else the
/// decoded bytes.
struct XMLText {
    var raw: Range<Int>
    var decoded: [UInt8]?
}
