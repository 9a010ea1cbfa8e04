import ActivityFiles
import Analytics
import CivilTime
import Foundation
import HTTPAPI
import Hummingbird
import HummingbirdCore
import NIOCore

/// The HTTP surface of Activities under `/api/v1`; every route needs a verified bearer token.
public struct ActivitiesRoutes: Sendable {
    let service: ActivityService
    let queries: ActivityQueries
    let configuration: ActivitiesConfiguration
    /// Largest JSON body (a JSON session with points may use up to the upload limit).
    let maxBodySize: Int

    public init(
        service: ActivityService, queries: ActivityQueries, configuration: ActivitiesConfiguration, maxBodySize: Int
    ) {
        self.service = service
        self.queries = queries
        self.configuration = configuration
        self.maxBodySize = maxBodySize
    }

    struct ZoneDraft: Decodable {
        var latitude: Double
        var longitude: Double
        var radius: Double
    }

    struct ZoneList: Encodable {
        var items: [PrivacyZone]
    }

    public func addRoutes(to group: RouterGroup<APIRequestContext>) {
        group.post("activities") { request, context in
            let identity = try context.requireIdentity()
            let contentType = request.headers[.contentType] ?? ""
            let step: Import
            if let boundary = Multipart.boundary(contentType: contentType) {
                step = try await upload(request, boundary: boundary, identity: identity)
            } else {
                let manual = try await request.decodeJSON(ManualActivity.self, limit: configuration.maxUploadSize)
                step = try await service.prepare(manual, by: identity)
            }
            switch step {
            case .duplicate(let existing):
                return try await detail(
                    of: existing.id, viewer: identity, headers: [.location: "/api/v1/activities/\(existing.id)"])
            case .new(let prepared):
                // The response (route simplification, JSON) is rendered on the other core while the
                // transaction runs, and used when the activity turns out new.
                let tolerance = configuration.routeTolerance
                async let rendered = Response.json(
                    ActivityDetailResponse(
                        ActivityQueries.ownerView(
                            prepared.activity, metrics: prepared.metrics, points: prepared.points),
                        tolerance: tolerance),
                    status: .created, headers: [.location: "/api/v1/activities/\(prepared.activity.id)"])
                let recorded = try await service.commit(prepared)
                let id = recorded.activity.id
                return recorded.created
                    ? try await rendered
                    : try await detail(of: id, viewer: identity, headers: [.location: "/api/v1/activities/\(id)"])
            }
        }
        group.get("activities/:id") { _, context in
            try await detail(of: try context.uuidParameter("id"), viewer: try context.requireIdentity())
        }
        group.get("activities/:id/streams") { request, context in
            let view = try await queries.view(
                id: try context.uuidParameter("id"), viewer: try context.requireIdentity())
            let (keys, resolution) = try streamParameters(request.uri.queryParameters)
            return try Response.json(view.streams(keys: keys, resolution: resolution))
        }
        group.get("activities/:id/export") { request, context in
            let identity = try context.requireIdentity()
            let id = try context.uuidParameter("id")
            let format = request.uri.queryParameters.get("format") ?? "gpx"
            switch format {
            case "original":
                let (bytes, fileName) = try await queries.originalFile(id: id, viewer: identity)
                return download(bytes, fileName: fileName, contentType: "application/octet-stream")
            case "gpx", "tcx":
                let view = try await queries.view(id: id, viewer: identity)
                let bytes = format == "gpx" ? GPXEncoder().encode(view.track) : TCXEncoder().encode(view.track)
                return download(bytes, fileName: "\(id).\(format)", contentType: "application/\(format)+xml")
            default:
                throw Problem.validation(pointer: "format", "must be one of gpx, tcx, original")
            }
        }
        group.patch("activities/:id") { request, context in
            let identity = try context.requireIdentity()
            let id = try context.uuidParameter("id")
            let changes = try Self.changes(try await request.decodeJSONObject(limit: maxBodySize))
            let activity = try await service.update(id: id, changes: changes, by: identity)
            return try Response.json(ActivitySummaryResponse(activity, isOwner: true))
        }
        group.delete("activities/:id") { _, context in
            try await service.delete(id: try context.uuidParameter("id"), by: try context.requireIdentity())
            return Response.empty()
        }
        group.get("users/:id/activities") { request, context in
            let identity = try context.requireIdentity()
            let owner = try context.uuidParameter("id")
            let parameters = request.uri.queryParameters
            let (after, before, cursor, limit) = try pageParameters(parameters)
            var sport: String?
            if let raw = parameters.get("sport") {
                guard let parsed = Sport(rawValue: raw) else {
                    throw Problem.validation(pointer: "sport", "is not a known sport")
                }
                sport = parsed.rawValue
            }
            let activities = try await queries.page(
                owner: owner, viewer: identity, sport: sport, after: after, before: before, cursor: cursor, limit: limit
            )
            let next =
                activities.count == limit
                ? activities.last.map { ActivityCursor(startTime: $0.startTime, id: $0.id) } : nil
            return try Response.json(
                ActivityPage(
                    items: activities.map { ActivitySummaryResponse($0, isOwner: owner == identity.userID) },
                    nextCursor: next.map(CursorCoding.encode)))
        }
        group.post("users/me/privacy-zones") { request, context in
            let draft = try await request.decodeJSON(ZoneDraft.self, limit: maxBodySize)
            let zone = try await service.addPrivacyZone(
                latitude: draft.latitude, longitude: draft.longitude, radius: draft.radius,
                by: try context.requireIdentity())
            return try Response.json(zone, status: .created)
        }
        group.get("users/me/privacy-zones") { _, context in
            try Response.json(ZoneList(items: try await service.privacyZones(of: try context.requireIdentity())))
        }
        group.delete("users/me/privacy-zones/:id") { _, context in
            try await service.deletePrivacyZone(id: try context.uuidParameter("id"), by: try context.requireIdentity())
            return Response.empty()
        }
    }

    /// An activity as `viewer` may see it, with 200.
    private func detail(of id: UUID, viewer: Identity, headers: HTTPFields = [:]) async throws -> Response {
        let view = try await queries.view(id: id, viewer: viewer)
        return try Response.json(
            ActivityDetailResponse(view, tolerance: configuration.routeTolerance), headers: headers)
    }

    private func upload(_ request: Request, boundary: String, identity: Identity) async throws -> Import {
        let limit = configuration.maxUploadSize + 64 * 1024
        // Room for the announced length up front (within the limit): growing the buffer as the
        // fragments arrive would copy a large upload several times over.
        var body = ByteBuffer()
        let announced = request.headers[.contentLength].flatMap { Int($0) } ?? 0
        body.reserveCapacity(min(max(announced, 0), limit))
        do {
            try await request.body.collect(upTo: limit, into: &body)
        } catch is NIOTooManyBytesError {
            throw ActivitiesError(.tooLarge, "The upload exceeds the limit of \(configuration.maxUploadSize) bytes.")
        }
        guard let parts = body.withUnsafeReadableBytes({ Multipart.parse($0, boundary: boundary) }) else {
            throw Problem.badRequest("The multipart body is malformed.")
        }
        guard let file = parts.first(where: { $0.name == "file" }) else {
            throw Problem.validation(pointer: "file", "is required: send the activity file in a part named file")
        }
        guard let fileName = file.filename, !fileName.isEmpty else {
            throw Problem.validation(pointer: "file", "needs a filename (its extension names the format)")
        }
        guard !file.body.isEmpty else {
            throw ActivitiesError(.unreadableFile, "The file is empty.")
        }
        var options = UploadOptions()
        var issues: [Problem.FieldError] = []
        for part in parts where part.name != "file" {
            let text = part.text.trimmingCharacters(in: .whitespacesAndNewlines)
            switch part.name {
            case "name":
                if text.isEmpty || text.count > 200 || text.contains("\u{0}") {
                    issues.append(.init(pointer: "name", detail: "must be 1 to 200 characters"))
                }
                options.name = text
            case "description":
                if text.count > 10_000 || text.contains("\u{0}") {
                    issues.append(.init(pointer: "description", detail: "must be at most 10000 characters"))
                }
                options.description = text
            case "sport":
                options.sport = Sport(rawValue: text)
                if options.sport == nil { issues.append(.init(pointer: "sport", detail: "is not a known sport")) }
            case "visibility":
                options.visibility = ActivityVisibility(rawValue: text)
                if options.visibility == nil {
                    issues.append(.init(pointer: "visibility", detail: "must be one of public, followers, private"))
                }
            case "externalId":
                if text.isEmpty || text.count > 200 || text.contains("\u{0}") {
                    issues.append(.init(pointer: "externalId", detail: "must be 1 to 200 characters"))
                }
                options.externalID = text
            default:
                issues.append(.init(pointer: part.name, detail: "is not a known part"))
            }
        }
        guard issues.isEmpty else { throw Problem.validation(issues) }
        return try await service.prepareUpload(fileName: fileName, bytes: file.body, options: options, by: identity)
    }

    private func download(_ bytes: [UInt8], fileName: String, contentType: String) -> Response {
        let safeName = String(fileName.map { $0.isLetter || $0.isNumber || "._-".contains($0) ? $0 : "_" })
        return Response(
            status: .ok,
            headers: [.contentType: contentType, .contentDisposition: "attachment; filename=\"\(safeName)\""],
            body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    func streamParameters(_ parameters: FlatDictionary<Substring, Substring>) throws -> (Set<StreamKey>, Int?) {
        var keys = Set(StreamKey.allCases)
        if let raw = parameters.get("keys") {
            keys = []
            for name in raw.split(separator: ",") {
                guard let key = StreamKey(rawValue: String(name)) else {
                    throw Problem.validation(
                        pointer: "keys",
                        "unknown stream \(name); known: \(StreamKey.allCases.map(\.rawValue).joined(separator: ","))")
                }
                keys.insert(key)
            }
        }
        var resolution: Int?
        if let raw = parameters.get("resolution") {
            guard let value = Int(raw), (2...100_000).contains(value) else {
                throw Problem.validation(pointer: "resolution", "must be an integer from 2 to 100000")
            }
            resolution = value
        }
        return (keys, resolution)
    }

    func pageParameters(_ parameters: FlatDictionary<Substring, Substring>) throws -> (
        Date?, Date?, ActivityCursor?, Int
    ) {
        func date(_ name: String) throws -> Date? {
            guard let raw = parameters.get(name) else { return nil }
            guard let date = Timestamp.parse(raw) else {
                throw Problem.validation(pointer: name, "must be an ISO 8601 date-time")
            }
            return date
        }
        var cursor: ActivityCursor?
        if let raw = parameters.get("cursor") {
            guard let decoded = CursorCoding.decode(raw) else {
                throw Problem.validation(pointer: "cursor", "is not a valid cursor")
            }
            cursor = decoded
        }
        var limit = 20
        if let raw = parameters.get("limit") {
            guard let value = Int(raw), (1...200).contains(value) else {
                throw Problem.validation(pointer: "limit", "must be an integer from 1 to 200")
            }
            limit = value
        }
        return (try date("after"), try date("before"), cursor, limit)
    }

    /// The merge patch of `PATCH /activities/{id}`: `name`, `description`, `type`, `visibility`.
    static func changes(_ patch: [String: JSONValue]) throws -> ActivityChanges {
        var changes = ActivityChanges()
        var issues: [Problem.FieldError] = []
        for (key, value) in patch.sorted(by: { $0.key < $1.key }) {
            switch (key, value) {
            case ("name", .string(let name))
            where !name.trimmingCharacters(in: .whitespaces).isEmpty && name.count <= 200:
                changes.name = name.trimmingCharacters(in: .whitespaces)
            case ("description", .null):
                changes.description = .some(nil)
            case ("description", .string(let text)) where text.count <= 10_000:
                changes.description = .some(text)
            case ("type", .string(let raw)) where Sport(rawValue: raw) != nil:
                changes.sport = Sport(rawValue: raw)
            case ("visibility", .string(let raw)) where ActivityVisibility(rawValue: raw) != nil:
                changes.visibility = ActivityVisibility(rawValue: raw)
            case ("name", _): issues.append(.init(pointer: "#/name", detail: "must be a string of 1 to 200 characters"))
            case ("description", _):
                issues.append(
                    .init(pointer: "#/description", detail: "must be null or a string of at most 10000 characters"))
            case ("type", _): issues.append(.init(pointer: "#/type", detail: "must be a known sport"))
            case ("visibility", _):
                issues.append(.init(pointer: "#/visibility", detail: "must be one of public, followers, private"))
            default: issues.append(.init(pointer: "#/\(key)", detail: "is not a field that can be changed"))
            }
        }
        guard issues.isEmpty else { throw Problem.validation(issues) }
        return changes
    }
}
