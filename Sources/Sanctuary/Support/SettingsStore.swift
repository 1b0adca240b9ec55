import Storage

/// The `settings` table: values the server keeps for itself (its key).
public enum SettingsStore {
    public static func value(_ db: Connection, key: String) throws -> String? {
        try db.scalar("SELECT value FROM settings WHERE key = ?", key, as: String.self)
    }

    /// Sets a value, made or replaced.
    public static func set(_ db: Connection, key: String, value: String) throws {
        try db.run("INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", key, value)
    }

    public static func insert(_ db: Connection, key: String, value: String) throws {
        try db.run("INSERT INTO settings (key, value) VALUES (?, ?)", key, value)
    }
}
