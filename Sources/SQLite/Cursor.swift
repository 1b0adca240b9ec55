import CSQLite
import SQL

/// Steps through a query's rows one call at a time, for results too large to collect
/// (a streamed export). It owns its own prepared statement, so it can outlive one closure;
/// use it on one thread, and `close()` it (or let it go) when done.
public final class SQLiteCursor {
    private let statement: Statement
    private var done = false

    public init(connection: SQLiteConnection, sql: String, parameters: [any SQLBindable]) throws {
        statement = try Statement(connection: connection, sql: sql)
        try statement.bind(parameters)
    }

    /// The next row (valid until the following call), or nil at the end.
    public func next() throws -> SQLiteRow? {
        guard !done else { return nil }
        if try statement.step() { return statement.row }
        close()
        return nil
    }

    public func close() {
        guard !done else { return }
        done = true
        statement.reset()
    }

    deinit { close() }
}

extension SQLiteConnection {
    /// A cursor over `sql`'s rows.
    public func cursor(_ sql: String, _ parameters: any SQLBindable...) throws -> SQLiteCursor {
        try SQLiteCursor(connection: self, sql: sql, parameters: parameters)
    }
}
