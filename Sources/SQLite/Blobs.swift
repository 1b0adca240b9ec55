import CSQLite
import Foundation
import SQL

/// Large values streamed between a file and a blob column with SQLite's incremental blob
/// I/O, a chunk at a time: a file of a gigabyte never sits in memory whole.
extension SQLiteConnection {
    /// The chunk a stream moves at once.
    static let blobChunk = 1 << 20

    /// Fills the blob at `table.column`, row `rowid` (made first with `zeroblob(size)`),
    /// with `size` bytes read from the open file `fd`. Throws if the file ends early.
    public func writeBlob(table: String, column: String, rowid: Int64, size: Int, from fd: Int32) throws {
        var blob: OpaquePointer?
        let rc = sqlite3_blob_open(handle, "main", table, column, rowid, 1, &blob)
        guard rc == SQLITE_OK, let blob else { throw error(code: rc, sql: nil) }
        defer { sqlite3_blob_close(blob) }
        var buffer = [UInt8](repeating: 0, count: min(Self.blobChunk, max(size, 1)))
        var offset = 0
        while offset < size {
            let want = min(buffer.count, size - offset)
            let got = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, want) }
            guard got > 0 else { throw SQLiteError(code: SQLITE_IOERR, message: "the file ended after \(offset) of \(size) bytes") }
            let written = buffer.withUnsafeBytes { sqlite3_blob_write(blob, $0.baseAddress, Int32(got), Int32(offset)) }
            guard written == SQLITE_OK else { throw error(code: written, sql: nil) }
            offset += got
        }
    }

    /// Writes the whole blob at `table.column`, row `rowid`, to the open file `fd`;
    /// answers its length.
    @discardableResult
    public func readBlob(table: String, column: String, rowid: Int64, to fd: Int32) throws -> Int {
        var blob: OpaquePointer?
        let rc = sqlite3_blob_open(handle, "main", table, column, rowid, 0, &blob)
        guard rc == SQLITE_OK, let blob else { throw error(code: rc, sql: nil) }
        defer { sqlite3_blob_close(blob) }
        let size = Int(sqlite3_blob_bytes(blob))
        var buffer = [UInt8](repeating: 0, count: min(Self.blobChunk, max(size, 1)))
        var offset = 0
        while offset < size {
            let want = min(buffer.count, size - offset)
            let status = buffer.withUnsafeMutableBytes { sqlite3_blob_read(blob, $0.baseAddress, Int32(want), Int32(offset)) }
            guard status == SQLITE_OK else { throw error(code: status, sql: nil) }
            var sent = 0
            while sent < want {
                let wrote = buffer.withUnsafeBytes { raw in raw.baseAddress.map { write(fd, $0 + sent, want - sent) } ?? -1 }
                guard wrote > 0 else {
                    throw SQLiteError(code: SQLITE_IOERR, message: "cannot write: \(String(cString: strerror(errno)))")
                }
                sent += wrote
            }
            offset += want
        }
        return size
    }
}
