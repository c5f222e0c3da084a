/// Carries a connection opened on one thread to the store thread that will own it.
///
/// `@unchecked Sendable` is sound: the opening thread creates the handoff and never touches it
/// again after starting the owning thread; that thread calls `take()` once, first thing, and is
/// the only user of the connection from then on.
final class ConnectionHandoff: @unchecked Sendable {
    private var connection: SQLiteConnection?

    init(_ connection: SQLiteConnection) {
        self.connection = connection
    }

    /// Hands the connection over; the handoff no longer holds it.
    func take() -> SQLiteConnection {
        guard let connection else { preconditionFailure("a connection handoff is taken exactly once") }
        self.connection = nil
        return connection
    }
}
