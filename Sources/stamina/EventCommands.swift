import App
import ArgumentParser
import EventLog
import Foundation
import Logging
import Persistence

/// Opens the configured database, migrated, and runs `body` with it.
func withDatabase<T: Sendable>(_ body: @escaping @Sendable (any Database, Logger) async throws -> T) async throws -> T {
    let configuration = try AppConfiguration.fromEnvironment()
    let logger = bootstrapLogging(configuration.logLevel)
    let database = try await configuration.database.open(logger: logger)
    return try await withRunning(database) {
        try await Migrations.prepare(database, logger: logger)
        return try await body(database, logger)
    }
}

struct Events: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Inspect the event log.", subcommands: [Tail.self, DeadLetters.self])

    struct Tail: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print events, oldest first, as JSON lines (as Kafka carries them: times to the millisecond).")

        @Option(help: "Start after this log position.")
        var after: Int64 = 0

        @Option(help: "Print at most this many events.")
        var limit = 100

        func run() async throws {
            let (after, limit) = (after, limit)
            let events = try await withDatabase { database, _ in
                try await database.read { try await Outbox().read(after: after, limit: limit, in: $0) }
            }
            for event in events {
                print(String(decoding: try event.kafkaValue(), as: UTF8.self))
            }
        }
    }

    struct DeadLetters: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "dead-letters", abstract: "List events consumers gave up on, or replay one.")

        @Option(help: "Replay the dead letter CONSUMER:POSITION (removed when it now succeeds).")
        var replay: String?

        func run() async throws {
            let replay = replay
            let output = try await withDatabase { database, logger -> String in
                if let replay {
                    let parts = replay.split(separator: ":")
                    guard parts.count == 2, let position = Int64(parts[1]) else {
                        throw ValidationError("--replay takes CONSUMER:POSITION")
                    }
                    let dispatcher = EventDispatcher(
                        database: database, consumers: eventConsumers(logger: logger), logger: logger)
                    try await dispatcher.replay(consumer: String(parts[0]), position: position)
                    return "replayed \(replay)"
                }
                let letters = try await database.read { try await ConsumerStore.deadLetters(in: $0) }
                return letters.map {
                    "\($0.consumer):\($0.position)\t\($0.eventType)\t\($0.attempts) attempts\t\($0.error)"
                }
                .joined(separator: "\n")
            }
            if !output.isEmpty { print(output) }
        }
    }
}

struct Projections: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Maintain read models.", subcommands: [Rebuild.self])

    struct Rebuild: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Rebuild a read model from log position 0 (e.g. insights.progress).")

        @Argument(help: "The consumer's name.")
        var name: String

        func run() async throws {
            let name = name
            try await withDatabase { database, logger in
                let dispatcher = EventDispatcher(
                    database: database, consumers: eventConsumers(logger: logger), logger: logger)
                try await dispatcher.rebuild(consumer: name)
            }
            print("rebuilt \(name)")
        }
    }
}
