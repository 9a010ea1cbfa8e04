import Foundation
import Persistence

/// Monthly range partitions of `activity_point_chunks` in PostgreSQL, by the chunks' `start_time`.
///
/// Partitions for the current and next months are created at start-up; an upload whose points fall
/// in other months creates theirs first, in a short transaction of its own under an advisory lock,
/// so concurrent uploads never race on the DDL and the upload's own transaction takes no DDL lock.
public enum PointPartitions {
    static let lockKey: Int64 = 0x5041_5254

    /// Makes sure a partition exists for every month from `start` through `end` (UTC); a chunk starts
    /// at one of its points, so covering the points' times covers their chunks.
    ///
    /// Partitions are never dropped, so the usual case, where they all exist, is answered by one
    /// read; only a missing one costs the locked transaction.
    public static func ensure(from start: Date, through end: Date, in database: any Database) async throws {
        guard database.dialect == .postgres else { return }
        let months = monthStarts(from: start, through: end)
        let names = months.dropLast().map { "activity_point_chunks_\($0.name)" }
        let present = names.map { "to_regclass('\($0)') IS NOT NULL" }.joined(separator: " AND ")
        let allPresent = try await database.read { try await $0.first("SELECT \(present) AS present")?.bool("present") }
        if allPresent == true { return }
        try await database.transaction { session in
            try await session.query("SELECT pg_advisory_xact_lock($1)", [.integer(lockKey)])
            for (index, name) in names.enumerated() {
                try await session.query(
                    """
                    CREATE TABLE IF NOT EXISTS \(name) PARTITION OF activity_point_chunks
                    FOR VALUES FROM ('\(months[index].bound)') TO ('\(months[index + 1].bound)')
                    """)
            }
        }
    }

    /// The first instants of each month touched by the range, plus the one after it.
    static func monthStarts(from start: Date, through end: Date) -> [(name: String, bound: String)] {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        var components = calendar.dateComponents([.year, .month], from: min(start, end))
        let last = calendar.dateComponents([.year, .month], from: max(start, end))
        var result: [(String, String)] = []
        while true {
            let year = components.year!
            let month = components.month!
            let padded = month < 10 ? "0\(month)" : "\(month)"
            result.append(("y\(year)m\(padded)", "\(year)-\(padded)-01 00:00:00+00"))
            if (year, month) > (last.year!, last.month!) { break }
            components.month = month == 12 ? 1 : month + 1
            components.year = month == 12 ? year + 1 : year
        }
        return result
    }
}
