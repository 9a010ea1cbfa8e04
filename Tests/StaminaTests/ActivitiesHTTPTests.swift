import ActivityFiles
import Foundation
import HTTPTypes
import NIOCore
import Testing

@Suite("Activities over HTTP")
struct ActivitiesHTTPTests {
    @Test("a real FIT ride: upload, dedupe, detail with route, streams, exports", arguments: Backend.allCases)
    func fitRide(backend: Backend) async throws {
        let file = try Fixtures.bytes("fit/sweat-fr935-ride.fit")
        let reference = try GPXDecoder().decode(try Fixtures.bytes("gpx/garmin-run-1hz.gpx"))
        _ = reference
        try await withTestApp(backend) { api in
            let ann = try await api.register("ann@example.com")
            let created = try await api.upload(file, fileName: "ride.fit", token: ann.token)
            #expect(created.status == .created, "\(String(buffer: created.body))")
            let id = try #require(created["id"])
            #expect(created["type"] == "cycling")
            #expect(created.headers[.location] == "/api/v1/activities/\(id)")
            let distance = try #require(created.json["distance"] as? Double)
            #expect(distance > 1_000)
            #expect((created.json["pointCount"] as? Int ?? 0) > 1_000)
            #expect(created["visibility"] == "followers")
            #expect(created["polyline"]?.isEmpty == false)
            #expect((created.json["routeGeoJson"] as? [String: Any])?["type"] as? String == "Feature")
            // Single values in metricsSummary; the collections once, beside it.
            let summary = try #require(created.json["metricsSummary"] as? [String: Any])
            #expect(summary["distance"] is Double)
            for collection in ["splitsPerKilometre", "splitsPerMile", "laps", "bestEfforts", "powerCurve"] {
                #expect(summary[collection] == nil, "\(collection)")
            }
            #expect(((created.json["splits"] as? [String: Any])?["kilometre"] as? [Any])?.isEmpty == false)
            #expect((created.json["laps"] as? [Any])?.isEmpty == false)

            let again = try await api.upload(file, fileName: "same-ride.fit", token: ann.token)
            #expect(again.status == .ok)
            #expect(again["id"] == id)

            let streams = try await api.send(
                .get, "/api/v1/activities/\(id)/streams?keys=time,heartrate,latlng&resolution=100", token: ann.token)
            #expect(streams.status == .ok)
            #expect((streams.json["time"] as? [Any])?.count == 100)
            #expect((streams.json["latlng"] as? [Any])?.count == 100)
            #expect(streams.json["watts"] == nil)
            #expect(
                try await api.send(.get, "/api/v1/activities/\(id)/streams?keys=bogus", token: ann.token).status
                    == .unprocessableContent)

            let original = try await api.send(.get, "/api/v1/activities/\(id)/export?format=original", token: ann.token)
            #expect(Array(original.body.readableBytesView) == file)
            let gpx = try await api.send(.get, "/api/v1/activities/\(id)/export?format=gpx", token: ann.token)
            let exported = try GPXDecoder().decode(Array(gpx.body.readableBytesView))
            #expect(exported.points.count > 1_000)
            let tcx = try await api.send(.get, "/api/v1/activities/\(id)/export?format=tcx", token: ann.token)
            #expect(
                try TCXDecoder().decode(Array(tcx.body.readableBytesView)).points.count == created.json["pointCount"]
                    as? Int)

            // Another user: a followers-only activity does not exist for them; a public one does,
            // but never its original file.
            let bob = try await api.register("bob@example.com")
            #expect(try await api.send(.get, "/api/v1/activities/\(id)", token: bob.token).status == .notFound)
            let made = try await api.send(
                .patch, "/api/v1/activities/\(id)", token: ann.token,
                json: #"{"visibility":"public","name":"Lunch ride"}"#)
            #expect(made["name"] == "Lunch ride")
            #expect(try await api.send(.get, "/api/v1/activities/\(id)", token: bob.token).status == .ok)
            #expect(
                try await api.send(.get, "/api/v1/activities/\(id)/export?format=original", token: bob.token).status
                    == .notFound)
            #expect(
                try await api.send(.patch, "/api/v1/activities/\(id)", token: bob.token, json: #"{"name":"mine"}"#)
                    .status == .forbidden)
            #expect(try await api.send(.delete, "/api/v1/activities/\(id)", token: bob.token).status == .forbidden)

            #expect(try await api.send(.delete, "/api/v1/activities/\(id)", token: ann.token).status == .noContent)
            #expect(try await api.send(.get, "/api/v1/activities/\(id)", token: ann.token).status == .notFound)
        }
    }

    @Test(
        "GPX, gzipped GPX and TCX files import", arguments: Backend.allCases)
    func xmlFormats(backend: Backend) async throws {
        try await withTestApp(backend) { api in
            let ann = try await api.register("ann@example.com")
            for (path, sport) in [
                ("gpx/garmin-run-1hz.gpx", "running"), ("gpx/strava-ride-power.gpx.gz", "cycling"),
                ("tcx/garmin-run-two-laps.tcx", "running"), ("tcx/indoor-ride.tcx", "cycling"),
                ("gpx/gpxpy-Mojstrovka.gpx", "other"),  // repeats timestamps: they are merged
            ] {
                let name = String(path.split(separator: "/").last!)
                let reply = try await api.upload(try Fixtures.bytes(path), fileName: name, token: ann.token)
                #expect(reply.status == .created, "\(path): \(String(buffer: reply.body))")
                #expect(reply["type"] == sport, "\(path)")
            }
            let page = try await api.send(.get, "/api/v1/users/\(ann.id)/activities", token: ann.token)
            #expect((page.json["items"] as? [Any])?.count == 5)
        }
    }

    @Test("broken, empty, unknown and oversize files are refused and nothing is stored")
    func badFiles() async throws {
        try await withTestApp(.sqlite, configure: { $0.activities.maxUploadSize = 100_000 }) { api in
            let ann = try await api.register("ann@example.com")
            let fit = try Fixtures.bytes("fit/sweat-edge1000-ride.fit")
            let cases: [([UInt8], String, HTTPResponse.Status)] = [
                (Array(fit.prefix(fit.count / 2)), "cut.fit", .unprocessableContent),
                (
                    fit.enumerated().map { $0.offset == 40 ? $0.element ^ 0xFF : $0.element }, "flipped.fit",
                    .unprocessableContent
                ),
                (Array("<gpx></gpx>".utf8), "ride.fit", .unprocessableContent),
                (Array("hello".utf8), "notes.txt", .unsupportedMediaType),
                (try Fixtures.bytes("gpx/route-only.gpx"), "route.gpx", .unprocessableContent),
                (try Fixtures.bytes("tcx/course-only.tcx"), "course.tcx", .unprocessableContent),
                (Array("not gzip".utf8), "ride.gpx.gz", .unprocessableContent),
                (try Fixtures.bytes("fit/sweat-fr935-ride.fit"), "big.fit", .contentTooLarge),
            ]
            for (bytes, name, status) in cases {
                let reply = try await api.upload(bytes, fileName: name, token: ann.token)
                #expect(reply.status == status, "\(name): \(String(buffer: reply.body))")
                #expect(reply.headers[.contentType] == "application/problem+json")
            }
            #expect(try await api.upload([], fileName: "empty.fit", token: ann.token).status == .unprocessableContent)
            let page = try await api.send(.get, "/api/v1/users/\(ann.id)/activities", token: ann.token)
            #expect((page.json["items"] as? [Any])?.isEmpty == true)
            #expect(
                try await api.send(.post, "/api/v1/activities", token: ann.token, json: "x", contentType: "text/plain")
                    .status == .unsupportedMediaType)
        }
    }

    @Test("a JSON session: points validated, metrics computed, externalId deduplicates", arguments: Backend.allCases)
    func jsonSession(backend: Backend) async throws {
        try await withTestApp(backend) { api in
            let ann = try await api.register("ann@example.com")
            var points: [String] = []
            for second in 0..<600 {
                let time = Date(timeIntervalSince1970: 1_790_000_000 + Double(second)).formatted(.iso8601)
                points.append(
                    #"{"time":"\#(time)","latitude":\#(47.0 + Double(second) * 0.00003),"longitude":8.5,"heartRate":150}"#
                )
            }
            let body =
                #"{"type":"running","startTime":"2026-09-21T14:13:20Z","externalId":"watch-1","points":[\#(points.joined(separator: ","))]}"#
            let created = try await api.send(.post, "/api/v1/activities", token: ann.token, json: body)
            #expect(created.status == .created, "\(String(buffer: created.body))")
            let distance = try #require(created.json["distance"] as? Double)
            #expect(abs(distance - 599 * 3.3358) < 5)
            #expect(created.json["averageHeartRate"] as? Double == 150)
            let again = try await api.send(.post, "/api/v1/activities", token: ann.token, json: body)
            #expect(again.status == .ok)
            #expect(again["id"] == created["id"])
            // A known externalId does not let an invalid body through.
            let invalidAgain = try await api.send(
                .post, "/api/v1/activities", token: ann.token,
                json:
                    #"{"type":"running","startTime":"2026-09-21T14:13:20Z","externalId":"watch-1","duration":60,"distance":-1}"#
            )
            #expect(invalidAgain.status == .unprocessableContent)
            #expect(invalidAgain.pointers == ["#/distance"])

            let manual = try await api.send(
                .post, "/api/v1/activities", token: ann.token,
                json: #"{"type":"strength","startTime":"2026-09-22T07:00:00Z","duration":2700,"calories":300}"#)
            #expect(manual.status == .created)
            #expect(manual.json["duration"] as? Double == 2700)

            let bad = try await api.send(
                .post, "/api/v1/activities", token: ann.token,
                json:
                    #"{"type":"running","startTime":"2026-09-21T14:13:20Z","points":[{"time":"2026-09-21T14:13:21Z","latitude":91,"longitude":8},{"time":"2026-09-21T14:13:20Z","heartRate":400},{"time":"2026-09-21T14:13:22Z","latitude":47}]}"#
            )
            #expect(bad.status == .unprocessableContent)
            #expect(
                Set(bad.pointers) == ["#/points/0/latitude", "#/points/1/heartRate", "#/points/1/time", "#/points/2"])
            let unknownSport = try await api.send(
                .post, "/api/v1/activities", token: ann.token,
                json: #"{"type":"quidditch","startTime":"2026-09-21T14:13:20Z","duration":5}"#)
            #expect(unknownSport.pointers == ["#/type"])
            let noDuration = try await api.send(
                .post, "/api/v1/activities", token: ann.token,
                json: #"{"type":"running","startTime":"2026-09-21T14:13:20Z"}"#)
            #expect(noDuration.status == .unprocessableContent)
            // A timestamp with something after it is not a timestamp (schemathesis found it accepted).
            let trailing = try await api.send(
                .post, "/api/v1/activities", token: ann.token,
                json: #"{"type":"running","startTime":"2026-09-21T14:13:20Z*","duration":60}"#)
            #expect(trailing.status == .unprocessableContent)
            #expect(trailing.pointers == ["#/startTime"])
        }
    }

    @Test("privacy zones hide the points near home from everyone else", arguments: Backend.allCases)
    func privacyZones(backend: Backend) async throws {
        try await withTestApp(backend) { api in
            let ann = try await api.register("ann@example.com")
            let bob = try await api.register("bob@example.com")
            try await api.send(
                .patch, "/api/v1/users/\(ann.id)", token: ann.token, json: #"{"defaultVisibility":"public"}"#)
            let ride = try await api.upload(
                try Fixtures.bytes("gpx/garmin-run-1hz.gpx"), fileName: "run.gpx", token: ann.token)
            let id = try #require(ride["id"])
            let start = try #require(ride.json["startLatLng"] as? [Double])
            let zone = try await api.send(
                .post, "/api/v1/users/me/privacy-zones", token: ann.token,
                json: #"{"latitude":\#(start[0]),"longitude":\#(start[1]),"radius":300}"#)
            #expect(zone.status == .created)
            #expect(
                try await api.send(
                    .post, "/api/v1/users/me/privacy-zones", token: ann.token,
                    json: #"{"latitude":0,"longitude":0,"radius":5}"#
                ).status == .unprocessableContent)

            let owner = try await api.send(.get, "/api/v1/activities/\(id)", token: ann.token)
            #expect(owner.json["startLatLng"] as? [Double] == start)
            let other = try await api.send(.get, "/api/v1/activities/\(id)", token: bob.token)
            let shownStart = try #require(other.json["startLatLng"] as? [Double])
            #expect(shownStart != start)
            #expect(other["polyline"] != owner["polyline"])
            let streams = try await api.send(.get, "/api/v1/activities/\(id)/streams?keys=latlng", token: bob.token)
            let latlngs = try #require(streams.json["latlng"] as? [[Double]])
            let home = (latitude: start[0], longitude: start[1])
            for pair in latlngs {
                let dy = (pair[0] - home.latitude) * 111_320
                let dx = (pair[1] - home.longitude) * 111_320 * cos(home.latitude * .pi / 180)
                #expect((dx * dx + dy * dy).squareRoot() > 295)
            }
            let zones = try await api.send(.get, "/api/v1/users/me/privacy-zones", token: ann.token)
            let zoneID = try #require((zones.json["items"] as? [[String: Any]])?.first?["id"] as? String)
            #expect(
                try await api.send(.delete, "/api/v1/users/me/privacy-zones/\(zoneID)", token: bob.token).status
                    == .notFound)
            #expect(
                try await api.send(.delete, "/api/v1/users/me/privacy-zones/\(zoneID)", token: ann.token).status
                    == .noContent)
        }
    }

    @Test("activity lists page newest first and show others only public activities", arguments: Backend.allCases)
    func listing(backend: Backend) async throws {
        try await withTestApp(backend) { api in
            let ann = try await api.register("ann@example.com")
            let bob = try await api.register("bob@example.com")
            for day in 1...5 {
                let visibility = day == 3 ? "private" : "public"
                let sport = day % 2 == 0 ? "cycling" : "running"
                try await api.send(
                    .post, "/api/v1/activities", token: ann.token,
                    json:
                        #"{"type":"\#(sport)","startTime":"2026-05-0\#(day)T07:00:00Z","duration":1800,"distance":5000,"visibility":"\#(visibility)"}"#
                )
            }
            let first = try await api.send(.get, "/api/v1/users/\(ann.id)/activities?limit=2", token: ann.token)
            let firstItems = try #require(first.json["items"] as? [[String: Any]])
            #expect(
                firstItems.compactMap { $0["startTime"] as? String }.map { $0.prefix(10) } == [
                    "2026-05-05", "2026-05-04",
                ])
            let cursor = try #require(first["nextCursor"])
            let second = try await api.send(
                .get, "/api/v1/users/\(ann.id)/activities?limit=2&cursor=\(cursor)", token: ann.token)
            let secondItems = try #require(second.json["items"] as? [[String: Any]])
            #expect(
                secondItems.compactMap { $0["startTime"] as? String }.map { $0.prefix(10) } == [
                    "2026-05-03", "2026-05-02",
                ])
            let runs = try await api.send(
                .get, "/api/v1/users/\(ann.id)/activities?sport=running&after=2026-05-02T00:00:00Z", token: ann.token)
            #expect((runs.json["items"] as? [Any])?.count == 2)
            let seen = try await api.send(.get, "/api/v1/users/\(ann.id)/activities", token: bob.token)
            #expect((seen.json["items"] as? [Any])?.count == 4)
            for query in ["limit=0", "limit=x", "cursor=zzz", "after=yesterday", "sport=quidditch"] {
                #expect(
                    try await api.send(.get, "/api/v1/users/\(ann.id)/activities?\(query)", token: ann.token).status
                        == .unprocessableContent, "\(query)")
            }
        }
    }
}
