import Foundation
import Logging
import Metrics
import Persistence

/// Applies events to one consumer, exactly once per event, whoever delivers them (the in-process
/// dispatcher or a Kafka consumer).
///
/// A batch is applied in one transaction together with the consumer's new position in the
/// batch's stream, and events at or below the stored position are skipped: a redelivery (after a
/// crash, a Kafka rebalance or a relay that published twice) changes nothing. When the batch fails,
/// its events are applied one by one with exponential backoff; an event that keeps failing is
/// recorded as a dead letter and passed over, so one bad event cannot stop the consumer.
struct EventApplier: Sendable {
    let database: any Database
    let consumer: any EventConsumer
    let configuration: DispatcherConfiguration
    let logger: Logger

    /// Applies `events`, in ascending positions, all from `stream`.
    func apply(_ events: [EventEnvelope], stream: String) async throws {
        try await apply([stream: events])
    }

    /// Applies the events of several streams (each in ascending positions) in one transaction.
    func apply(_ streams: [String: [EventEnvelope]]) async throws {
        let consumer = self.consumer
        do {
            let applied = try await database.transaction { session in
                let positions = try await ConsumerStore.lockedPositions(of: consumer.name, in: session)
                var applied = 0
                for (stream, events) in streams {
                    let fresh = events.filter { $0.position > positions.done(in: stream) }
                    guard let last = fresh.last else { continue }
                    for event in fresh {
                        try await consumer.apply(event, in: session)
                    }
                    try await ConsumerStore.setPosition(last.position, of: consumer.name, stream: stream, in: session)
                    applied += fresh.count
                }
                return applied
            }
            Counter(label: "stamina_events_applied_total", dimensions: [("consumer", consumer.name)])
                .increment(by: applied)
        } catch let error as DatabaseError where error.code == .unavailable {
            throw error
        } catch {
            // Isolate the failing event: apply one by one with retries.
            for (stream, events) in streams {
                for event in events {
                    try await applyWithRetries(event, stream: stream)
                }
            }
        }
    }

    private func applyWithRetries(_ event: EventEnvelope, stream: String) async throws {
        let consumer = self.consumer
        var backoff = configuration.initialBackoff
        var lastError: any Error = CancellationError()
        for attempt in 1...configuration.maxAttempts {
            do {
                try await database.transaction { session in
                    let done = try await ConsumerStore.lockedPosition(of: consumer.name, stream: stream, in: session)
                    guard done < event.position else { return }
                    try await consumer.apply(event, in: session)
                    try await ConsumerStore.setPosition(event.position, of: consumer.name, stream: stream, in: session)
                }
                return
            } catch let error as DatabaseError where error.code == .unavailable {
                // The database is down, not the event at fault: the caller retries later.
                throw error
            } catch {
                lastError = error
                logger.warning(
                    "consumer failed on an event",
                    metadata: [
                        "consumer": "\(consumer.name)", "position": "\(event.position)", "attempt": "\(attempt)",
                        "error": "\(error)",
                    ])
                if attempt < configuration.maxAttempts {
                    try await Task.sleep(for: backoff)
                    backoff *= 2
                }
            }
        }
        let letter = DeadLetter(
            consumer: consumer.name, position: event.position, eventID: event.eventID, eventType: event.eventType,
            attempts: configuration.maxAttempts, error: String(describing: lastError), failedAt: Date())
        try await database.transaction { session in
            guard
                try await ConsumerStore.lockedPosition(of: consumer.name, stream: stream, in: session) < event.position
            else { return }
            try await ConsumerStore.addDeadLetter(letter, in: session)
            try await ConsumerStore.setPosition(event.position, of: consumer.name, stream: stream, in: session)
        }
        Counter(label: "stamina_dead_letters_total", dimensions: [("consumer", consumer.name)]).increment()
        logger.error(
            "event moved to dead letters",
            metadata: ["consumer": "\(consumer.name)", "position": "\(event.position)", "type": "\(event.eventType)"])
    }
}
