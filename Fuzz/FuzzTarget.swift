// libFuzzer target over everything that reads bytes from the network: the HTTP/1.1 request
// parser (fed whole and in pieces, which must agree), and the form, query, cookie,
// percent and multipart decoders. Compiled into the HTTP module's sources by `Fuzz/run`
// (`swiftc -sanitize=fuzzer,address`), so it reaches internal API too.
import Foundation

/// What one parse produced, comparable between two ways of feeding the same bytes.
enum Parsed: Equatable {
    case request(method: String, target: String, version: String, headers: [String], body: [UInt8])
    case spool(method: String, target: String, length: Int)
    case reject(Int)
    case incomplete
}

let fuzzLimits: ServerLimits = {
    var limits = ServerLimits()
    // Small limits, so short inputs reach every limit.
    limits.maxRequestLineBytes = 256
    limits.maxHeaderBytes = 512
    limits.maxHeaderCount = 16
    limits.maxBodyBytes = 1024
    return limits
}()

/// Feeds `bytes` to a parser in pieces ending at `cuts` (sorted offsets), like a connection
/// receiving them from the network, and lists every outcome until the input is used up.
func parseAll(_ bytes: [UInt8], cuts: [Int], spoolLargeBodies: Bool) -> [Parsed] {
    var parser = RequestParser(limits: fuzzLimits)
    if spoolLargeBodies { parser.policy = { $0.method == "PUT" ? .spool(maxBytes: 1 << 20) : .buffer } }
    var results: [Parsed] = []
    var start = 0
    var received = 0
    for end in cuts + [bytes.count] where end > received {
        received = end
        while start < received {
            let outcome = bytes.withUnsafeBufferPointer { all in
                parser.parse(UnsafeBufferPointer(rebasing: all[start..<received]), remoteAddress: "127.0.0.1")
            }
            switch outcome {
            case .needMore:
                break
            case .request(let request, let consumed):
                precondition(consumed > 0 && consumed <= received - start, "consumed \(consumed) of \(received - start)")
                if let length = request.headers["content-length"].flatMap(Int.init) {
                    precondition(request.body.count == length, "body length \(request.body.count) ≠ Content-Length \(length)")
                }
                precondition(request.body.count <= fuzzLimits.maxBodyBytes, "body over the limit")
                results.append(
                    .request(
                        method: request.method, target: request.target, version: request.version.text,
                        headers: request.headers.fields.map { "\($0.0):\($0.1)" }, body: request.body))
                start += consumed
                continue
            case .spool(let request, let consumed, let length):
                precondition(consumed > 0 && consumed <= received - start && length >= 0)
                results.append(.spool(method: request.method, target: request.target, length: length))
                // The connection streams the body to disk from here; the parser's part is done.
                return results
            case .refuse:
                preconditionFailure("no policy here refuses a head")
            case .reject(let status, _):
                precondition((400...599).contains(status.code), "rejected with \(status.code)")
                results.append(.reject(status.code))
                return results
            }
            break
        }
    }
    if parser.isMidRequest { results.append(.incomplete) }
    return results
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let selector = data[0]
    let bytes = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    let text = String(decoding: bytes, as: UTF8.self)
    switch selector % 8 {
    case 0...3:
        // The same bytes whole, byte by byte, and cut where the selector says must parse the same.
        let whole = parseAll(bytes, cuts: [], spoolLargeBodies: selector & 0x40 != 0)
        // Byte by byte costs O(n²): for short inputs only (the steps below cover long ones).
        if bytes.count <= 700 {
            let single = parseAll(bytes, cuts: Array(0..<bytes.count), spoolLargeBodies: selector & 0x40 != 0)
            precondition(whole == single, "whole \(whole) ≠ byte by byte \(single)")
        }
        let step = max(Int(selector >> 2) + 1, bytes.count / 64)  // at most 64 pieces: each piece rescans the head
        let stepped = parseAll(bytes, cuts: Array(stride(from: step, to: bytes.count, by: step)), spoolLargeBodies: selector & 0x40 != 0)
        precondition(whole == stepped, "whole \(whole) ≠ in steps of \(step) \(stepped)")
    case 4:
        let form = FormFields(urlEncoded: text)
        for (name, value) in form {
            _ = form[name]
            _ = value.utf8.count
        }
        // Decoding never grows text: every escape is at least as long as what it stands for.
        precondition(form.pairs.reduce(0) { $0 + $1.name.utf8.count + $1.value.utf8.count } <= bytes.count * 3 + 3)
        var request = Request(method: "GET", target: "/" + text.filter { $0 != " " && $0 != "\r" && $0 != "\n" })
        request.headers.add("cookie", text)
        _ = request.query
        _ = request.cookies
        _ = request.acceptsGzip
        _ = request.wantsKeepAlive
    case 5:
        let decoded = PercentEncoding.decode(text)
        let plus = PercentEncoding.decodeForm(text[...])
        precondition(decoded.utf8.count <= bytes.count + 3 * bytes.count && plus.utf8.count <= 4 * bytes.count + 4)
        let encoded = PercentEncoding.encode(decoded)
        precondition(PercentEncoding.decode(encoded) == decoded, "encode then decode is the identity")
        _ = Cookies.parse(text)
        _ = Multipart.boundary(contentType: text)
    default:
        fuzzMultipart(bytes, boundary: selector & 1 == 0 ? "XyZ" : "----b")
    }
    return 0
}

let fuzzDirectory: String = {
    let path = (ProcessInfo.processInfo.environment["FUZZ_TMP"] ?? "/tmp") + "/sanctuary-fuzz-\(getpid())"
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}()

func fuzzMultipart(_ bytes: [UInt8], boundary: String) {
    let body = fuzzDirectory + "/body"
    guard FileManager.default.createFile(atPath: body, contents: Data(bytes)) else { return }
    if let parts = try? Multipart.parse(file: body, boundary: boundary, directory: fuzzDirectory, maxFieldBytes: 1024) {
        var total = 0
        for part in parts {
            total += part.size
            if let file = part.file {
                let size = (try? FileManager.default.attributesOfItem(atPath: file)[.size] as? Int) ?? -1
                precondition(size == part.size, "part file holds \(size) bytes, said \(part.size)")
                unlink(file)
            }
        }
        precondition(total <= bytes.count, "parts larger than the body")
    }
    // What a full disk's page reads of a cut body: never a file written, never more than it has.
    let arrived = Multipart.readable(file: body, boundary: boundary, maxBytes: 4096, maxFieldBytes: 1024)
    precondition(arrived.allSatisfy { $0.file == nil && $0.size <= bytes.count }, "a cut body's reading wrote or overcounted")
    unlink(body)
}
