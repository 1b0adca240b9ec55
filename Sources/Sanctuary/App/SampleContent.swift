import Foundation
import Storage

/// Loads `Config/sample-content.json` into an empty database so a newcomer sees a living
/// site. The file maps table names to rows (`{"column": value}`), in insertion order.
/// Two conventions keep it readable and always current:
/// - a string `"lookup:events:x"` is the id of the row of `events` whose slug is `x`;
/// - a string `"@+14d"`, `"@-30d"` or `"@+14dT23:00"` is a UTC time relative to now.
struct SampleContent {
    let file: URL

    /// Loads the content when there are no petitions, news or events yet. Returns whether it did.
    func loadIfEmpty(into database: Database) throws -> Bool {
        guard FileManager.default.fileExists(atPath: file.path), try Self.isEmpty(database) else { return false }
        let data = try Data(contentsOf: file)
        guard let root = try JSONSerialization.jsonObject(with: data) as? [String: Any],
            let tables = root["tables"] as? [[String: Any]]
        else {
            throw ConfigError(key: "sample-content.json", reason: "must hold {\"tables\": [{\"table\": …, \"rows\": […]}]}")
        }
        let plan = try tables.map { entry -> (String, [[String: SQLValue]]) in
            guard let table = entry["table"] as? String, let rows = entry["rows"] as? [[String: Any]],
                table.allSatisfy({ $0.isLetter || $0 == "_" })
            else {
                throw ConfigError(key: "sample-content.json", reason: "has an entry without a table name and rows")
            }
            return (table, try rows.map { try $0.mapValues(Self.value) })
        }
        return try database.writeAndWait { db in
            guard try Self.isEmpty(db) else { return false }
            for (table, rows) in plan {
                for row in rows {
                    let columns = row.keys.sorted()
                    guard columns.allSatisfy({ $0.allSatisfy { $0.isLetter || $0 == "_" } }) else {
                        throw ConfigError(key: "sample-content.json", reason: "has a bad column name in \(table)")
                    }
                    var values: [any SQLBindable] = []
                    var placeholders: [String] = []
                    for column in columns {
                        switch row[column] {
                        case .some(.text(let text)) where text.hasPrefix("lookup:"):
                            // "lookup:events:slug" → the id of that row
                            let parts = text.split(separator: ":", maxSplits: 2).map(String.init)
                            guard parts.count == 3, parts[1].allSatisfy({ $0.isLetter || $0 == "_" }) else {
                                throw ConfigError(key: "sample-content.json", reason: "has a bad lookup \(text)")
                            }
                            placeholders.append(SampleContentStore.idBySlug(table: parts[1]))
                            values.append(parts[2])
                        case .some(let value):
                            placeholders.append("?")
                            values.append(value)
                        case .none:
                            break
                        }
                    }
                    try SampleContentStore.insert(db, table: table, columns: columns, placeholders: placeholders, values: values)
                }
            }
            return true
        }
    }

    /// No content yet (checked before reading the file, so a running site's start skips it).
    static func isEmpty(_ database: Database) throws -> Bool { try database.read { try isEmpty($0) } }

    static func isEmpty(_ db: Connection) throws -> Bool { try SampleContentStore.isEmpty(db) }

    static func value(_ any: Any) throws -> SQLValue {
        switch any {
        case let text as String:
            if let relative = relativeTime(text) { return .text(relative) }
            return .text(text)
        case let number as NSNumber:
            if number.stringValue.contains(".") { return .real(number.doubleValue) }
            return .integer(number.int64Value)
        case is NSNull:
            return .null
        case let list as [String]:
            return .text(list.joined(separator: "\n\n"))
        default:
            throw ConfigError(key: "sample-content.json", reason: "has a value of an unsupported kind")
        }
    }

    /// `@+14d`, `@-3d`, `@+14dT23:00` → ISO UTC time relative to now.
    static func relativeTime(_ text: String) -> String? {
        guard text.hasPrefix("@+") || text.hasPrefix("@-") else { return nil }
        let body = text.dropFirst()
        let parts = body.split(separator: "T", maxSplits: 1)
        guard let dayPart = parts.first, dayPart.hasSuffix("d"), let days = Int(dayPart.dropLast()) else { return nil }
        var date = Date().addingTimeInterval(TimeInterval(days) * 86_400)
        if parts.count == 2 {
            let clock = parts[1].split(separator: ":")
            guard clock.count == 2, let hour = Int(clock[0]), let minute = Int(clock[1]) else { return nil }
            let midnight = floor(date.timeIntervalSince1970 / 86_400) * 86_400
            date = Date(timeIntervalSince1970: midnight + TimeInterval(hour * 3600 + minute * 60))
        }
        return Timestamp.format(date)
    }
}
