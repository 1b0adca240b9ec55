import Foundation
import Synchronization

/// A few connections to one PostgreSQL (or, with a multi-host URL, to whichever is the
/// primary), each lent to one caller at a time. A connection found lost is connected again
/// before it is lent; a statement that fails because the connection went away is tried
/// once more on a fresh one when `retry` allows it (reads; a write's caller decides).
public final class PGPool: Sendable {
    private let url: String
    private let size: Int
    private let state = Mutex<(idle: [PGConnection], open: Int, closed: Bool)>(([], 0, false))
    private let freed = DispatchSemaphore(value: 0)

    public init(url: String, size: Int = 4) {
        self.url = url
        self.size = max(1, size)
    }

    /// Runs `body` with a connection of its own; waits while all are lent.
    public func with<R>(retry: Bool = false, _ body: (PGConnection) throws -> R) throws -> R {
        let connection = try borrow()
        do {
            let result = try body(connection)
            giveBack(connection)
            return result
        } catch let error as PostgresError where error.kind == .connectionLost {
            // Not given back as it is: the next borrower would find it dead.
            try? connection.reconnect()
            giveBack(connection)
            guard retry else { throw error }
            return try with(retry: false, body)
        } catch {
            giveBack(connection)
            throw error
        }
    }

    private func borrow() throws -> PGConnection {
        while true {
            enum Next {
                case lend(PGConnection)
                case open, wait
            }
            let next: Next? = state.withLock { state in
                if state.closed { return nil }
                if let connection = state.idle.popLast() { return .lend(connection) }
                if state.open < size {
                    state.open += 1
                    return .open
                }
                return .wait
            }
            guard let next else { throw PostgresError(kind: .connectionLost, message: "the database is closed") }
            switch next {
            case .lend(let connection):
                if !connection.isConnected { try connection.reconnect() }
                return connection
            case .open:
                do {
                    return try PGConnection(url: url)
                } catch {
                    state.withLock { $0.open -= 1 }
                    freed.signal()
                    throw error
                }
            case .wait:
                freed.wait()
            }
        }
    }

    /// Closes the idle connections; those lent out close when given back.
    public func close() {
        let idle = state.withLock { state in
            defer { state.idle.removeAll() }
            state.closed = true
            return state.idle
        }
        for connection in idle { connection.close() }
        freed.signal()
    }

    private func giveBack(_ connection: PGConnection) {
        let closed = state.withLock { state in
            if !state.closed { state.idle.append(connection) }
            return state.closed
        }
        if closed { connection.close() }
        freed.signal()
    }
}
