import CGzip

/// gzip (RFC 1952) through the system zlib.
public enum Gzip {
    public static func compress(_ input: [UInt8], level: Int32 = 6) -> [UInt8]? {
        var stream = z_stream()
        // deflateInit2 is a C macro; call the function it expands to. 15 + 16: gzip wrapper.
        guard
            deflateInit2_(
                &stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY,
                ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK
        else { return nil }
        defer { deflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, UInt(input.count))) + 32)
        var input = input
        let produced: Int? = input.withUnsafeMutableBufferPointer { inBuf in
            output.withUnsafeMutableBufferPointer { outBuf in
                stream.next_in = inBuf.baseAddress
                stream.avail_in = UInt32(inBuf.count)
                stream.next_out = outBuf.baseAddress
                stream.avail_out = UInt32(outBuf.count)
                guard deflate(&stream, Z_FINISH) == Z_STREAM_END else { return nil }
                return outBuf.count - Int(stream.avail_out)
            }
        }
        guard let produced else { return nil }
        output.removeLast(output.count - produced)
        return output
    }

    /// Decompresses a gzip member (tests use it to check what we send).
    public static func decompress(_ input: [UInt8]) -> [UInt8]? {
        var stream = z_stream()
        guard inflateInit2_(&stream, 15 + 16, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else { return nil }
        defer { inflateEnd(&stream) }
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        var input = input
        return input.withUnsafeMutableBufferPointer { inBuf -> [UInt8]? in
            stream.next_in = inBuf.baseAddress
            stream.avail_in = UInt32(inBuf.count)
            while true {
                let status: Int32 = chunk.withUnsafeMutableBufferPointer { outBuf in
                    stream.next_out = outBuf.baseAddress
                    stream.avail_out = UInt32(outBuf.count)
                    return inflate(&stream, Z_NO_FLUSH)
                }
                result.append(contentsOf: chunk[0..<(chunk.count - Int(stream.avail_out))])
                if status == Z_STREAM_END { return result }
                if status != Z_OK { return nil }
            }
        }
    }

    /// Media types worth compressing.
    public static func isCompressible(_ contentType: String?) -> Bool {
        guard let type = contentType?.lowercased() else { return false }
        return type.hasPrefix("text/") || type.contains("json") || type.contains("xml")
            || type.contains("javascript") || type.contains("svg") || type.hasPrefix("text/calendar")
    }
}

/// gzip-compresses text responses for clients that accept it.
public struct CompressionMiddleware: Middleware {
    public var minimumBytes = 1024
    public init() {}

    public func handle(_ request: Request, next: (Request) -> Outcome) -> Outcome {
        let accepts = request.acceptsGzip
        let minimum = minimumBytes
        return next(request).map { response in
            guard Gzip.isCompressible(response.contentType), response.headers["Content-Encoding"] == nil else { return response }
            var response = response
            if !(response.headers["Vary"]?.listsToken("accept-encoding") ?? false) {
                response.headers.add("Vary", "Accept-Encoding")
            }
            guard accepts, response.status == .ok, case .bytes(let body) = response.body, body.count >= minimum,
                let compressed = Gzip.compress(body, level: 5)
            else { return response }
            response.body = .bytes(compressed)
            response.headers["Content-Encoding"] = "gzip"
            if let etag = response.headers["ETag"], etag.hasSuffix("\"") {
                response.headers["ETag"] = String(etag.dropLast()) + "-gz\""
            }
            return response
        }
    }
}
