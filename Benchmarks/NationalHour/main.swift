// The visitors of Benchmarks/national-hour: an open-loop client that signs a petition at a
// set rate as independent visitors (each reads the petition page for its form, then signs
// with an address of its own), reads every mail the SMTP sink writes to its dump file,
// opens each mail's confirmation link and presses its button. Arrivals follow a Poisson
// schedule fixed before the run: a slow answer delays no later arrival, and each visit's
// time is counted from when it was due, not from when a free connection took it up (so a
// stall shows in the latencies instead of lowering the rate offered).
//
// usage: NationalHourClient PORT SLUG RATE SECONDS DUMP_FILE [DRAIN_SECONDS=30]
// Prints one `key=value` line: what was offered, acknowledged (303), mailed, confirmed, the
// latencies, and what was lost (acknowledged but never mailed, or mailed but never confirmed).

import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

func monotonic() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
}

func sleep(until: Double) {
    let wait = until - monotonic()
    guard wait > 0 else { return }
    var span = timespec(tv_sec: Int(wait), tv_nsec: Int((wait - Double(Int(wait))) * 1e9))
    nanosleep(&span, nil)
}

/// One kept-alive HTTP/1.1 connection to the server, blocking, opened again when it breaks.
final class HTTPClient {
    let port: UInt16
    private var socket: Int32 = -1
    private var buffer = [UInt8](repeating: 0, count: 1 << 17)
    private var filled = 0

    init(port: UInt16) { self.port = port }

    deinit { if socket >= 0 { close(socket) } }

    private func connect() -> Bool {
        socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { return false }
        var one: Int32 = 1
        setsockopt(socket, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        if connected != 0 { drop() }
        return connected == 0
    }

    private func drop() {
        if socket >= 0 { close(socket) }
        socket = -1
        filled = 0
    }

    /// Sends `request` and reads the answer: its status and body (nil if the connection failed twice).
    func exchange(_ request: [UInt8]) -> (status: Int, body: ArraySlice<UInt8>)? {
        for _ in 0..<2 {
            if socket < 0, !connect() { continue }
            if let answer = once(request) { return answer }
            drop()
        }
        return nil
    }

    private func once(_ request: [UInt8]) -> (status: Int, body: ArraySlice<UInt8>)? {
        let sent = request.withUnsafeBytes { send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        guard sent == request.count else { return nil }
        filled = 0
        var headerEnd = -1
        while headerEnd < 0 {
            guard fill() else { return nil }
            headerEnd = find([13, 10, 13, 10], in: buffer[0..<filled])
        }
        let head = buffer[0..<headerEnd]
        guard head.count > 12, let status = Int(String(decoding: head[9..<12], as: UTF8.self)) else { return nil }
        let text = String(decoding: head, as: UTF8.self).lowercased()
        var length = 0
        if let range = text.range(of: "\r\ncontent-length:") {
            let digits = text[range.upperBound...].drop { $0 == " " }.prefix { $0.isNumber }
            length = Int(digits) ?? 0
        }
        let bodyStart = headerEnd + 4
        while filled < bodyStart + length {
            guard fill() else { return nil }
        }
        let body = buffer[bodyStart..<(bodyStart + length)]
        if text.contains("\r\nconnection: close") { drop() }
        return (status, body)
    }

    private func fill() -> Bool {
        if filled == buffer.count { buffer += [UInt8](repeating: 0, count: buffer.count) }
        let count = buffer.withUnsafeMutableBytes { recv(socket, $0.baseAddress! + filled, $0.count - filled, 0) }
        guard count > 0 else { return false }
        filled += count
        return true
    }
}

func find(_ needle: [UInt8], in haystack: ArraySlice<UInt8>) -> Int {
    guard let first = needle.first, haystack.count >= needle.count else { return -1 }
    var index = haystack.startIndex
    let last = haystack.endIndex - needle.count
    while index <= last {
        if haystack[index] == first, haystack[index..<(index + needle.count)].elementsEqual(needle) { return index }
        index += 1
    }
    return -1
}

/// The `_csrf` value of the first form in a page.
func csrf(in page: ArraySlice<UInt8>) -> String? {
    let marker = Array("name=\"_csrf\" value=\"".utf8)
    let at = find(marker, in: page)
    guard at >= 0 else { return nil }
    let value = page[(at + marker.count)...].prefix { $0 != UInt8(ascii: "\"") }
    return String(decoding: value, as: UTF8.self)
}

func get(_ path: String) -> [UInt8] { Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".utf8) }

func post(_ path: String, _ body: String) -> [UInt8] {
    Array(
        "POST \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
            .utf8)
}

func percentile(_ values: [Double], _ p: Double) -> Double {
    guard !values.isEmpty else { return 0 }
    let sorted = values.sorted()
    return sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
}

// MARK: - The run

let arguments = CommandLine.arguments
guard arguments.count >= 6, let port = UInt16(arguments[1]), let rate = Double(arguments[3]), rate > 0,
    let seconds = Double(arguments[4]), seconds > 0
else {
    FileHandle.standardError.write(Data("usage: NationalHourClient PORT SLUG RATE SECONDS DUMP_FILE [DRAIN_SECONDS=30]\n".utf8))
    exit(2)
}
let slug = arguments[2]
let dumpPath = arguments[5]
let drainSeconds = arguments.count > 6 ? Double(arguments[6]) ?? 30 : 30

// The arrivals, fixed before the run: exponential gaps averaging 1/rate (a seeded generator,
// so two runs offer the same schedule).
var generator = SplitMix(seed: 0x5A4C_7A7A)
var arrivals: [Double] = []
var clock = 0.0
while true {
    clock += -log(1 - generator.unit()) / rate
    if clock >= seconds { break }
    arrivals.append(clock)
}
let schedule = arrivals

struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
}

// Addresses at the large providers (where the per-domain cap on unconfirmed mail does not
// apply, as for a real national petition), unique to this run; postal codes across Canada.
let run = String(UInt32.random(in: 0...UInt32.max), radix: 36)
let providers = ["gmail.com", "outlook.com", "yahoo.ca", "hotmail.ca", "icloud.com"]
let postalCodes = [
    "K1A 0B1", "M5V 2T6", "H2X 1Y4", "V6B 4Y8", "T2P 2M5", "R3C 4T3", "S4P 3V7", "E1C 4M3", "B3H 4R2", "A1C 5M2", "C1A 7N8",
    "Y1A 2C6", "X1A 2L9", "X0A 0H0", "K2P 1L4", "L5B 2C9", "N2L 3G1", "J4K 2T5", "G1R 4P5", "V8W 1P6", "T5J 2R7", "P3E 2C6",
]

struct Shared {
    var acknowledged: Set<String> = []
    var failures: [Int: Int] = [:]
    var signLatencies: [Double] = []
    var mailed: Set<String> = []
    var mails = 0
    var lastMail = 0.0
    var tokens: [(token: String, recipient: String, seen: Double)] = []
    var confirmed: Set<String> = []
    var confirmFailures: [Int: Int] = [:]
    var confirmLatencies: [Double] = []
    var lastConfirm = 0.0
    var signingDone = false
    var finished = false
}
let shared = Mutex(Shared())
let nextVisitor = Atomic<Int>(0)
let confirmWork = DispatchSemaphore(value: 0)
let start = monotonic() + 0.2

// Signers: each takes the next arrival, waits for its moment, and visits.
let signers = 64
let signersDone = DispatchGroup()
for _ in 0..<signers {
    signersDone.enter()
    Thread {
        let client = HTTPClient(port: port)
        while true {
            let index = nextVisitor.add(1, ordering: .relaxed).oldValue
            guard index < schedule.count else { break }
            let due = start + schedule[index]
            sleep(until: due)
            let email = "nh\(run)v\(index)@\(providers[index % providers.count])"
            var status = 0
            if let page = client.exchange(get("/petitions/\(slug)")), page.status == 200, let token = csrf(in: page.body) {
                let postal = postalCodes[index % postalCodes.count].replacingOccurrences(of: " ", with: "+")
                let body =
                    "_csrf=\(token)&first_name=Visitor&last_name=N\(index)&email=\(email.replacingOccurrences(of: "@", with: "%40"))&postal_code=\(postal)&comment=&website="
                status = client.exchange(post("/petitions/\(slug)/sign", body))?.status ?? 0
            }
            let took = monotonic() - due
            shared.withLock {
                if status == 303 { $0.acknowledged.insert(email) } else { $0.failures[status, default: 0] += 1 }
                $0.signLatencies.append(took)
            }
        }
        signersDone.leave()
    }.start()
}

// The mail reader: follows the sink's dump file. A message starts with `X-Client-Addr:`;
// its recipient is on `X-Rcpt-Args:`; its text is quoted-printable (a soft break is a line
// ending in `=`), so lines are joined before the link is looked for.
Thread {
    var handle: FileHandle?
    while handle == nil {
        handle = FileHandle(forReadingAtPath: dumpPath)
        if handle == nil { usleep(2000) }
    }
    guard let file = handle else { return }
    var pending: [UInt8] = []
    var logical: [UInt8] = []
    var recipient = ""
    var found = false
    let marker = Array("/petitions/\(slug)/confirm/".utf8)
    let rcpt = Array("X-Rcpt-Args: <".utf8)
    while !shared.withLock({ $0.finished }) {
        let chunk = file.availableData
        if chunk.isEmpty {
            usleep(2000)
            continue
        }
        pending += chunk
        var lineStart = 0
        var newTokens: [(String, String, Double)] = []
        var newMail: [String] = []
        while let newline = pending[lineStart...].firstIndex(of: 10) {
            let line = pending[lineStart..<newline]
            lineStart = newline + 1
            if line.starts(with: rcpt) {
                recipient = String(decoding: line.dropFirst(rcpt.count).prefix { $0 != UInt8(ascii: ">") }, as: UTF8.self)
                newMail.append(recipient)
                found = false
                logical.removeAll(keepingCapacity: true)
                continue
            }
            if line.last == UInt8(ascii: "=") {
                logical += line.dropLast()
                continue
            }
            logical += line
            defer { logical.removeAll(keepingCapacity: true) }
            guard !found else { continue }
            let at = find(marker, in: logical[...])
            guard at >= 0 else { continue }
            let token = logical[(at + marker.count)...].prefix {
                ($0 >= 48 && $0 <= 57) || ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) || $0 == 45 || $0 == 95
            }
            found = true
            newTokens.append((String(decoding: token, as: UTF8.self), recipient, monotonic()))
        }
        pending.removeFirst(lineStart)
        if !newMail.isEmpty || !newTokens.isEmpty {
            let now = monotonic()
            shared.withLock {
                for address in newMail {
                    $0.mails += 1
                    $0.mailed.insert(address)
                }
                if !newMail.isEmpty { $0.lastMail = now }
                $0.tokens += newTokens
            }
            for _ in newTokens { confirmWork.signal() }
        }
    }
}.start()

// Confirmers: each opens a link, reads the page's form and presses the button.
let confirmers = 32
for _ in 0..<confirmers {
    Thread {
        let client = HTTPClient(port: port)
        while true {
            confirmWork.wait()
            guard let job = shared.withLock({ $0.tokens.popLast() }) else { break }
            let path = "/petitions/\(slug)/confirm/\(job.token)"
            var status = 0
            if let page = client.exchange(get(path)), page.status == 200, let token = csrf(in: page.body) {
                status = client.exchange(post(path, "_csrf=\(token)"))?.status ?? 0
            }
            let now = monotonic()
            shared.withLock {
                if status == 303 {
                    $0.confirmed.insert(job.recipient)
                    $0.lastConfirm = now
                } else {
                    $0.confirmFailures[status, default: 0] += 1
                }
                $0.confirmLatencies.append(now - job.seen)
            }
        }
    }.start()
}

signersDone.wait()
let signingEnded = monotonic()
// Drains: until every acknowledged signature is confirmed, or nothing moved for a while.
var lastProgress = monotonic()
var lastCount = -1
while true {
    let (confirmed, acknowledged, failures) = shared.withLock {
        ($0.confirmed.count, $0.acknowledged.count, $0.confirmFailures.values.reduce(0, +))
    }
    if confirmed + failures >= acknowledged { break }
    if confirmed != lastCount {
        lastCount = confirmed
        lastProgress = monotonic()
    }
    if monotonic() - lastProgress > drainSeconds { break }
    usleep(20_000)
}
usleep(100_000)
let result = shared.withLock { state -> String in
    state.finished = true
    let lostMail = state.acknowledged.subtracting(state.mailed).count
    let lostConfirm = state.acknowledged.intersection(state.mailed).subtracting(state.confirmed).count
    let mailSpan = max(seconds, state.lastMail - start)
    let confirmSpan = max(seconds, state.lastConfirm - start)
    let failures = state.failures.sorted { $0.key < $1.key }.map { "\($0.key):\($0.value)" }.joined(separator: ",")
    let confirmFailures = state.confirmFailures.sorted { $0.key < $1.key }.map { "\($0.key):\($0.value)" }.joined(separator: ",")
    return [
        "offered=\(schedule.count)", "offered_rate=\(String(format: "%.0f", Double(schedule.count) / seconds))",
        "acknowledged=\(state.acknowledged.count)", "signed_rate=\(String(format: "%.0f", Double(state.acknowledged.count) / seconds))",
        "sign_p50_ms=\(String(format: "%.1f", percentile(state.signLatencies, 0.5) * 1000))",
        "sign_p99_ms=\(String(format: "%.1f", percentile(state.signLatencies, 0.99) * 1000))",
        "sign_failures=\(failures.isEmpty ? "none" : failures)", "mails=\(state.mails)",
        "mailed_rate=\(String(format: "%.0f", Double(state.mailed.count) / mailSpan))",
        "confirmed=\(state.confirmed.count)", "confirmed_rate=\(String(format: "%.0f", Double(state.confirmed.count) / confirmSpan))",
        "confirm_p99_ms=\(String(format: "%.1f", percentile(state.confirmLatencies, 0.99) * 1000))",
        "confirm_failures=\(confirmFailures.isEmpty ? "none" : confirmFailures)",
        "drain_s=\(String(format: "%.1f", monotonic() - signingEnded))", "lost_mail=\(lostMail)", "lost_confirm=\(lostConfirm)",
        "lost=\(lostMail + lostConfirm)",
    ].joined(separator: " ")
}
print(result)
for _ in 0..<confirmers { confirmWork.signal() }
exit(0)
