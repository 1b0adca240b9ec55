/// Our statements are written with SQLite's placeholders, `?` (the next value) and `?N`
/// (the N-th); PostgreSQL numbers them, `$N`. This rewrites one into the other the way
/// SQLite reads them (a bare `?` takes one more than the largest number so far), leaving
/// string literals, quoted names and comments alone, so one statement text serves both
/// engines.
public enum Placeholders {
    public static func numbered(_ sql: String) -> String {
        let bytes = Array(sql.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + 8)
        var largest = 0
        var index = 0
        func copy(until end: Int) {
            out.append(contentsOf: bytes[index..<min(end, bytes.count)])
            index = min(end, bytes.count)
        }
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "'"), UInt8(ascii: "\""):
                // A literal or a quoted name, its doubled quote included, copied whole.
                var end = index + 1
                while end < bytes.count {
                    if bytes[end] == byte {
                        if end + 1 < bytes.count, bytes[end + 1] == byte {
                            end += 2
                            continue
                        }
                        break
                    }
                    end += 1
                }
                copy(until: end + 1)
            case UInt8(ascii: "-") where index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "-"):
                copy(until: (bytes[index...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.count) + 1)
            case UInt8(ascii: "/") where index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "*"):
                var end = index + 2
                while end + 1 < bytes.count, !(bytes[end] == UInt8(ascii: "*") && bytes[end + 1] == UInt8(ascii: "/")) { end += 1 }
                copy(until: end + 2)
            case UInt8(ascii: "?"):
                var end = index + 1
                var number = 0
                while end < bytes.count, bytes[end] >= 48, bytes[end] <= 57, number < 100_000 {
                    number = number * 10 + Int(bytes[end] - 48)
                    end += 1
                }
                if end == index + 1 { number = largest + 1 }
                largest = max(largest, number)
                out.append(UInt8(ascii: "$"))
                out.append(contentsOf: String(number).utf8)
                index = end
            default:
                out.append(byte)
                index += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
