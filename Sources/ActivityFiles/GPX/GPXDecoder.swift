import Dispatch
import Foundation
import Synchronization

/// Decodes GPX 1.0 and 1.1 files into a ``Track``.
///
/// What it reads:
/// - every `<trkpt>` of every `<trk>` and `<trkseg>`; segments are put in time order (by their first
///   point) and concatenated;
/// - `<time>` (ISO 8601, with or without fractional seconds, `Z`, an offset or no zone, read as UTC),
///   `<ele>`, GPX 1.0's `<speed>`;
/// - in `<extensions>`, at any depth and whatever the namespace prefix: heart rate (`hr`,
///   `heartrate`), cadence (`cad`, `cadence`), temperature (`atemp`, `temp`), power (`power`,
///   `PowerInWatts`, `watts`) and speed (`speed`), which covers Garmin's TrackPointExtension v1 and
///   v2, its PowerExtension, and the extensions Strava and others write;
/// - the name from `<metadata><name>` (GPX 1.0: `<gpx><name>`), else the first `<trk><name>`; the
///   sport from the first `<trk><type>`; the `creator` attribute as the device's manufacturer.
///
/// What it drops rather than rejects, so that one bad sample does not cost a whole activity:
/// - a field whose value is impossible or unreadable: latitude outside −90…90 or longitude outside
///   −180…180 (both coordinates go), heart rate outside 0…300, negative cadence, power or speed,
///   `NaN`, infinities, text that is not a number;
/// - a point without a readable `<time>`;
/// - a point whose time is earlier than the point before it (time going backwards); points with the
///   same time as the one before are kept.
///
/// Errors: not XML or another root element → `.wrongFormat`; a file cut off → `.truncated`;
/// malformed XML → `.corrupt`; no track points with a time (a route, waypoints, a planned track) →
/// `.empty`.
///
/// A file of `parallelFrom` bytes or more is read by two threads: the track points from the first
/// `<trkpt>` after the middle of the file to the end of their segment are read by a second thread
/// meanwhile, which about halves the time of a long track. The result, errors included, is the one
/// reading alone gives: the second thread's points are used only when the first thread reaches the
/// same `<trkpt>` as a start tag (not, say, inside a comment), and only when it read them without an
/// error (the first thread then reads them itself and meets that error in its place).
public struct GPXDecoder: Sendable {
    /// Files from this size on are read by two threads.
    let parallelFrom: Int

    /// From 1 MiB, about 5,000 points of a usual 1 Hz track. Decoding alone, two threads took 10,000
    /// points from 6.8 to 4.0 ms and 50,000 from 34 to 18 ms; through the upload API, which hashes the
    /// file on the other core meanwhile, 10,000 points came out about even and 50,000 5–10% faster.
    public init() {
        self.init(parallelFrom: 1 << 20)
    }

    init(parallelFrom: Int) {
        self.parallelFrom = parallelFrom
    }

    /// Decodes the bytes of a GPX file (not gzip-compressed; see ``Gzip``).
    public func decode(_ bytes: [UInt8]) throws(ActivityFileError) -> Track {
        let secondHalf = bytes.count >= parallelFrom ? GPXFragmentRead.start(in: bytes) : nil
        // No work is left behind: the other thread is waited for, unless nobody waits for this one
        // (its array keeps the bytes alive until it ends).
        defer { if !Task.isCancelled { _ = secondHalf?.result() } }
        return try bytes.withUnsafeBufferPointer { (buffer) throws(ActivityFileError) -> Track in
            var reader = GPXReader(xml: XMLTokenizer(buffer, formatName: "GPX"), secondHalf: secondHalf)
            return try reader.read(estimatedPoints: buffer.count / 120)
        }
    }
}

/// The points of one `<trkseg>`, from a `<trkpt>` at `start` to the segment's end, read on a thread
/// of their own (see ``GPXDecoder``).
final class GPXFragmentRead: Sendable {
    struct Points: Sendable {
        var points: [TrackPoint]
        /// Where the segment's end tag starts.
        var end: Int
        var pointCount: Int
        var timelessCount: Int
        var firstBadTime: TimestampError?
    }

    let start: Int
    private let outcome = Mutex<Points?>(nil)
    private let done = DispatchSemaphore(value: 0)

    private init(start: Int) {
        self.start = start
    }

    /// Starts reading at the first `<trkpt` after the middle of `bytes`; nil when there is none.
    static func start(in bytes: [UInt8]) -> GPXFragmentRead? {
        guard let start = firstTrackPoint(in: bytes, from: bytes.count / 2) else { return nil }
        let read = GPXFragmentRead(start: start)
        // A thread of its own, not a task: the reader waits for it from synchronous code.
        Thread {
            let points = bytes.withUnsafeBufferPointer { buffer in
                // The prolog up to the root element says how the document's text is encoded.
                var prolog = XMLTokenizer(buffer, formatName: "GPX")
                _ = try? prolog.next()
                var reader = GPXReader(
                    xml: XMLTokenizer(buffer, formatName: "GPX", fragmentAt: start, isLatin1: prolog.isLatin1))
                return try? reader.readFragment()
            }
            read.outcome.withLock { $0 = points }
            read.done.signal()
        }.start()
        return read
    }

    /// Waits for the thread; nil when it met anything but `<trkpt>` elements up to an end tag.
    func result() -> Points? {
        done.wait()
        done.signal()
        return outcome.withLock { $0 }
    }

    /// The offset of the first `<trkpt` start tag (unprefixed) at or after `offset`.
    static func firstTrackPoint(in bytes: [UInt8], from offset: Int) -> Int? {
        let tag = Array("<trkpt".utf8)
        var index = offset
        while index + tag.count < bytes.count {
            guard bytes[index] == tag[0] else {
                index += 1
                continue
            }
            if bytes[index..<index + tag.count].elementsEqual(tag) {
                let next = bytes[index + tag.count]
                if XMLScalars.isSpace(next) || next == UInt8(ascii: ">") || next == UInt8(ascii: "/") { return index }
            }
            index += 1
        }
        return nil
    }
}

/// The recursive-descent reader behind ``GPXDecoder``; each method starts after its element's start
/// tag and returns after its end tag.
private struct GPXReader {
    var xml: XMLTokenizer
    /// Points another thread reads meanwhile.
    var secondHalf: GPXFragmentRead?
    var segments: [[TrackPoint]] = []
    var metadataName: String?
    var trackName: String?
    var trackType: String?
    var pointCount = 0
    var timelessCount = 0
    var firstBadTime: TimestampError?
    var sawRoute = false
    var sawWaypoint = false

    mutating func read(estimatedPoints: Int) throws(ActivityFileError) -> Track {
        while try xml.next() != .startElement {}
        guard xml.isNamed("gpx") else {
            let root = xml.string(xml.localName)
            let hint = root == "TrainingCenterDatabase" ? " (it looks like a TCX file)" : ""
            throw ActivityFileError(.wrongFormat, "GPX: the root element is <\(root)>, not <gpx>\(hint)")
        }
        let creator = try xml.attribute("creator").flatMap { xml.string($0) }
        try readDocument(estimatedPoints: estimatedPoints)

        var track = Track(format: .gpx)
        track.points = try orderedPoints()
        track.name = metadataName ?? trackName
        track.sport = PlausibleValues.sportName(trackType)
        track.startTime = track.points.first?.time
        if let creator { track.device = Device(manufacturer: creator) }
        return track
    }

    private mutating func readDocument(estimatedPoints: Int) throws(ActivityFileError) {
        while try xml.nextChild() {
            if xml.isNamed("trk") {
                try readTrack(estimatedPoints: estimatedPoints)
            } else if xml.isNamed("metadata") {
                try readMetadata()
            } else if xml.isNamed("name") {
                let name = try xml.elementString()
                metadataName = metadataName ?? name
            } else {
                if xml.isNamed("rte") { sawRoute = true }
                if xml.isNamed("wpt") { sawWaypoint = true }
                try xml.skipElement()
            }
        }
    }

    private mutating func readMetadata() throws(ActivityFileError) {
        while try xml.nextChild() {
            if xml.isNamed("name") {
                metadataName = try xml.elementString()
            } else {
                try xml.skipElement()
            }
        }
    }

    private mutating func readTrack(estimatedPoints: Int) throws(ActivityFileError) {
        while try xml.nextChild() {
            if xml.isNamed("trkseg") {
                var points: [TrackPoint] = []
                points.reserveCapacity(segments.isEmpty ? estimatedPoints : 64)
                try readSegment(into: &points)
                if !points.isEmpty { segments.append(points) }
            } else if xml.isNamed("name") {
                let name = try xml.elementString()
                trackName = trackName ?? name
            } else if xml.isNamed("type") {
                let type = try xml.elementString()
                trackType = trackType ?? type
            } else {
                try xml.skipElement()
            }
        }
    }

    private mutating func readSegment(into points: inout [TrackPoint]) throws(ActivityFileError) {
        while try xml.nextChild() {
            if let secondHalf, xml.tagOffset == secondHalf.start, let read = secondHalf.result() {
                // The rest of this segment was read by the other thread.
                points.append(contentsOf: read.points)
                pointCount += read.pointCount
                timelessCount += read.timelessCount
                firstBadTime = firstBadTime ?? read.firstBadTime
                xml.skipReadElements(to: read.end)
            } else if xml.isNamed("trkpt") {
                // Filled in place: a TrackPoint is large enough that copies show in profiles.
                points.append(TrackPoint(time: Date(timeIntervalSinceReferenceDate: 0)))
                if !(try readPoint(into: &points[points.count - 1])) { points.removeLast() }
            } else {
                try xml.skipElement()
            }
        }
    }

    /// Reads the elements of a fragment tokenizer up to its parent's end tag, as `readSegment` does.
    mutating func readFragment() throws(ActivityFileError) -> GPXFragmentRead.Points {
        var points: [TrackPoint] = []
        try readSegment(into: &points)
        guard let end = xml.fragmentEnd else { throw ActivityFileError(.truncated, "GPX: the segment does not end") }
        return GPXFragmentRead.Points(
            points: points, end: end, pointCount: pointCount, timelessCount: timelessCount, firstBadTime: firstBadTime)
    }

    /// Reads a `<trkpt>` into `point`; false when it has no usable time.
    private mutating func readPoint(into point: inout TrackPoint) throws(ActivityFileError) -> Bool {
        pointCount += 1
        let position = PlausibleValues.position(
            latitude: try xml.attributeDouble("lat"), longitude: try xml.attributeDouble("lon"))
        var time: Double?
        point.latitude = position?.latitude
        point.longitude = position?.longitude
        while try xml.nextChild() {
            if xml.isNamed("ele") {
                point.altitude = PlausibleValues.finite(try xml.elementDouble())
            } else if xml.isNamed("time") {
                switch try xml.elementTimestamp() {
                case .success(let seconds): time = seconds
                case .failure(let error): firstBadTime = firstBadTime ?? error
                }
            } else if xml.isNamed("extensions") {
                try readExtensions(into: &point)
            } else if xml.isNamed("speed") {
                point.speed = PlausibleValues.nonNegative(try xml.elementDouble())
            } else {
                try xml.skipElement()
            }
        }
        guard let time else {
            timelessCount += 1
            return false
        }
        point.time = Date(timeIntervalSince1970: time)
        return true
    }

    private mutating func readExtensions(into point: inout TrackPoint) throws(ActivityFileError) {
        while try xml.nextChild() {
            if xml.isNamed("hr") || xml.isNamed("heartrate") {
                point.heartRate = PlausibleValues.heartRate(try xml.elementDouble())
            } else if xml.isNamed("cad") || xml.isNamed("cadence") {
                point.cadence = PlausibleValues.nonNegative(try xml.elementDouble())
            } else if xml.isNamed("atemp") || xml.isNamed("temp") {
                point.temperature = PlausibleValues.finite(try xml.elementDouble())
            } else if xml.isNamed("power") || xml.isNamed("PowerInWatts") || xml.isNamed("watts") {
                point.power = PlausibleValues.nonNegative(try xml.elementDouble())
            } else if xml.isNamed("speed") {
                point.speed = PlausibleValues.nonNegative(try xml.elementDouble())
            } else {
                try readExtensions(into: &point)
            }
        }
    }

    /// Segments in the order of their first times, concatenated; points earlier than their
    /// predecessor dropped.
    private func orderedPoints() throws(ActivityFileError) -> [TrackPoint] {
        guard !segments.isEmpty else { throw emptyError() }
        if segments.count == 1 { return TimeOrder.droppingBackwardSteps(segments[0]) }
        let ordered = segments.enumerated().sorted { left, right in
            let (leftTime, rightTime) = (left.element[0].time, right.element[0].time)
            return leftTime == rightTime ? left.offset < right.offset : leftTime < rightTime
        }
        var points: [TrackPoint] = []
        points.reserveCapacity(segments.reduce(0) { $0 + $1.count })
        for segment in ordered { points.append(contentsOf: segment.element) }
        return TimeOrder.droppingBackwardSteps(points)
    }

    private func emptyError() -> ActivityFileError {
        if pointCount == 0 {
            if sawRoute || sawWaypoint {
                let what = sawRoute ? "a route" : "waypoints"
                return ActivityFileError(
                    .empty, "GPX: the file holds only \(what), no recorded track; there is no activity to import")
            }
            return ActivityFileError(.empty, "GPX: the file has no track points")
        }
        if let firstBadTime {
            return ActivityFileError(
                .empty,
                "GPX: none of the \(pointCount) track points has a readable <time>; the one at line \(firstBadTime.line) says \"\(firstBadTime.text)\", which is not an ISO 8601 time"
            )
        }
        return ActivityFileError(
            .empty,
            "GPX: none of the \(pointCount) track points has a <time>; this looks like a planned route, not a recorded activity"
        )
    }
}
