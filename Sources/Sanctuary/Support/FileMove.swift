import Foundation

/// Moving a finished upload into place.
enum FileMove {
    /// Renames `source` to `destination`; across file systems (`EXDEV`: a spool folder on
    /// another mount) copies and removes instead. The copy is `0600`. False on failure, with
    /// nothing left at `destination`.
    static func move(_ source: String, to destination: String) -> Bool {
        if rename(source, destination) == 0 { return true }
        guard errno == EXDEV else { return false }
        let input = open(source, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else { return false }
        defer { close(input) }
        let output = open(destination, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard output >= 0 else { return false }
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        var ok = true
        copying: while true {
            let n = buffer.withUnsafeMutableBytes { read(input, $0.baseAddress, $0.count) }
            if n == 0 { break }
            if n < 0 {
                if errno == EINTR { continue }
                ok = false
                break
            }
            var offset = 0
            while offset < n {
                let w = buffer.withUnsafeBytes { write(output, $0.baseAddress.map { $0 + offset }, n - offset) }
                if w < 0 {
                    if errno == EINTR { continue }
                    ok = false
                    break copying
                }
                offset += w
            }
        }
        if fsync(output) != 0 { ok = false }
        close(output)
        if !ok {
            unlink(destination)
            return false
        }
        unlink(source)
        return true
    }
}
