import Persistence

/// A named consumer of the event log: a projection or a reactor.
///
/// Events are applied in log order; `apply` runs in the same transaction that advances the
/// consumer's stored position, so a projection's writes and its position commit together and a
/// redelivered event is never applied twice.
public protocol EventConsumer: Sendable {
    /// Stable name; the stored position and dead letters are kept under it.
    var name: String { get }

    /// Applies one event. Events the consumer does not handle are ignored (and logged at debug).
    func apply(_ event: EventEnvelope, in session: any DatabaseSession) async throws

    /// Deletes everything the consumer built, before a rebuild from position 0.
    func reset(in session: any DatabaseSession) async throws
}
