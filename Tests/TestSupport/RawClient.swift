import Foundation
import HTTP

/// A test client that speaks raw bytes over a real TCP socket, so tests see exactly what
/// the server sends (and can send what no polite client would).
public final class RawClient {
    public let fd: Int32

    /// `source`: the local address to connect from (`127.0.0.2`: another client on loopback).
    public init(port: Int, host: String = "127.0.0.1", source: String? = nil, receiveTimeout: Double = 5) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        if let source {
            var local = sockaddr_in()
            local.sin_family = sa_family_t(AF_INET)
            inet_pton(AF_INET, source, &local.sin_addr)
            let bound = withUnsafePointer(to: &local) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard bound == 0 else {
                close(fd)
                throw ClientError.connect(errno)
            }
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        inet_pton(AF_INET, host, &address.sin_addr)
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else {
            close(fd)
            throw ClientError.connect(errno)
        }
        setTimeout(receiveTimeout)
    }

    deinit { close(fd) }

    public enum ClientError: Error {
        case connect(Int32)
        case timeout, closed
        case malformed(String)
    }

    public func setTimeout(_ seconds: Double) {
        var tv = timeval(tv_sec: Int(seconds), tv_usec: Int((seconds - Double(Int(seconds))) * 1_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }

    /// Sends everything; returns false if the peer has closed.
    @discardableResult
    public func send(_ text: String) -> Bool { send(Array(text.utf8)) }

    @discardableResult
    public func send(_ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Foundation.send(fd, $0.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return false }
            offset += n
        }
        return true
    }

    private var buffer: [UInt8] = []

    /// Reads one response, framed by its headers. `head: true` for responses to HEAD.
    public func readResponse(head: Bool = false) throws -> ClientResponse {
        while true {
            if let (response, used) = try ClientResponse.parse(buffer, headRequest: head) {
                buffer.removeFirst(used)
                return response
            }
            guard try fill() else {
                if let (response, used) = try ClientResponse.parse(buffer, headRequest: head, atEOF: true) {
                    buffer.removeFirst(used)
                    return response
                }
                throw ClientError.closed
            }
        }
    }

    /// Reads more bytes; false at end of stream. Throws on timeout.
    private func fill() throws -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if n > 0 {
            buffer += chunk[0..<n]
            return true
        }
        if n == 0 { return false }
        if errno == EAGAIN || errno == EWOULDBLOCK { throw ClientError.timeout }
        return false  // reset: treat as closed
    }

    /// True when the server has closed the connection (reads EOF or reset) within the timeout.
    public func isClosedByServer() -> Bool {
        while true {
            do {
                if try !fill() { return true }
            } catch {
                return false
            }
        }
    }

    /// Everything until the server closes.
    public func readToEnd() -> [UInt8] {
        while (try? fill()) == true {}
        let all = buffer
        buffer.removeAll()
        return all
    }
}

/// A response as the test client parsed it.
public struct ClientResponse {
    public let status: Int
    public let headers: [(String, String)]
    public let body: [UInt8]

    public func header(_ name: String) -> String? {
        headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }
    public func headerValues(_ name: String) -> [String] {
        headers.filter { $0.0.lowercased() == name.lowercased() }.map(\.1)
    }
    public var text: String { String(decoding: body, as: UTF8.self) }

    static func parse(_ buffer: [UInt8], headRequest: Bool, atEOF: Bool = false) throws -> (ClientResponse, Int)? {
        let separator: [UInt8] = [13, 10, 13, 10]
        guard buffer.count >= 4, let headEnd = (0...(buffer.count - 4)).first(where: { Array(buffer[$0..<($0 + 4)]) == separator }) else {
            return nil
        }
        let headText = String(decoding: buffer[0..<headEnd], as: UTF8.self)
        var lines = headText.components(separatedBy: "\r\n")
        let statusLine = lines.removeFirst().split(separator: " ")
        guard statusLine.count >= 2, let status = Int(statusLine[1]) else { throw RawClient.ClientError.malformed(headText) }
        let headers = lines.compactMap { line -> (String, String)? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        let bodyStart = headEnd + 4
        let response = { (body: [UInt8]) in ClientResponse(status: status, headers: headers, body: body) }
        func header(_ name: String) -> String? { headers.first { $0.0.lowercased() == name }?.1 }
        if status == 100 { return (response([]), bodyStart) }
        if headRequest || status == 204 || status == 304 { return (response([]), bodyStart) }
        if let length = header("content-length").flatMap({ Int($0) }) {
            guard buffer.count >= bodyStart + length else { return nil }
            return (response(Array(buffer[bodyStart..<(bodyStart + length)])), bodyStart + length)
        }
        if header("transfer-encoding")?.lowercased() == "chunked" {
            var position = bodyStart
            var body: [UInt8] = []
            while true {
                guard let lineEnd = (position..<max(position, buffer.count - 1)).first(where: { buffer[$0] == 13 && buffer[$0 + 1] == 10 })
                else { return nil }
                let sizeText = String(decoding: buffer[position..<lineEnd], as: UTF8.self)
                guard let size = Int(sizeText, radix: 16) else { throw RawClient.ClientError.malformed("chunk size \(sizeText)") }
                position = lineEnd + 2
                if size == 0 {
                    guard buffer.count >= position + 2 else { return nil }
                    return (response(body), position + 2)
                }
                guard buffer.count >= position + size + 2 else { return nil }
                body += buffer[position..<(position + size)]
                position += size + 2
            }
        }
        // Delimited by the end of the connection.
        guard atEOF else { return nil }
        return (response(Array(buffer[bodyStart...])), buffer.count)
    }
}
