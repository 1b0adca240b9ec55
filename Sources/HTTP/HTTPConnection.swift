import CLinux
import Foundation

/// One client connection, confined to its event loop's thread (hence `@unchecked Sendable`:
/// the only cross-thread use is an async handler handing its response back through
/// `EventLoop.execute`, which runs on the owning thread).
///
/// Requests are parsed from `input` and answered strictly in order: while an async
/// handler is working, later pipelined requests wait in the buffer and reading stops,
/// so TCP flow control holds back a client that sends faster than we answer.
///
/// The states, and the flags that make them up:
///
///     accept ──▶ IDLE ──bytes──▶ HEAD ──head parsed──┬──▶ BODY (in memory) ──complete──┐
///                 ▲   (idle        (header           ├──▶ SPOOL (`spool`: to a file) ───┤
///                 │    timeout)     timeout)         └─ no body ────────────────────────┤
///                 │                                                                     ▼
///                 │          ◀── response written ── WRITE ◀── sync handler ──── DISPATCH
///                 │              (`output`, `stream`;          async handler:
///                 │               keep-alive)                  AWAIT (`awaitingHandler`,
///                 │                                             reading paused) ──▶ WRITE
///                 └─ `Connection: close`, peer done (`closeAfterWrite`) ──▶ CLOSED
///
///     reject (4xx/5xx from the parser, over the budget, timeout) or a refused upload head:
///       answer ──▶ LINGER (`lingering`: write side shut, input discarded, ≤ 2 s) ──▶ CLOSED
///
/// BODY and SPOOL must finish within the body timeout from their first byte; HEAD within
/// the header timeout; WRITE makes progress within the body timeout; IDLE closes after the
/// idle timeout. While `output` holds more than `outputHighWater`, parsing waits (WRITE
/// first), and `peerClosedInput` turns the last answer into the end of the connection.
final class HTTPConnection: @unchecked Sendable {
    private(set) var fd: Int32
    unowned let loop: EventLoop
    let remoteAddress: String
    /// What the per-address connection cap counts this connection under (nil: exempt).
    private let addressKey: String?
    private var parser: RequestParser
    private var input: [UInt8] = []
    private var inputStart = 0
    private var output: [UInt8] = []
    private var outputStart = 0
    private var stream: (body: BodyStream, chunked: Bool)?
    private var awaitingHandler = false
    private var closeAfterWrite = false
    private var lingering = false
    private var peerClosedInput = false
    private var sentContinue = false
    private var interest: UInt32 = EPOLLIN.rawValue | EPOLLRDHUP.rawValue
    /// Monotonic time at which the current state times out.
    private(set) var deadline: UInt64 = 0
    private var headStartedAt: UInt64 = 0
    /// When the body of the current request began (its head complete); the whole body must
    /// arrive within the body timeout from here, however slowly it trickles.
    private var bodyStartedAt: UInt64 = 0
    /// Bytes of request input this connection has counted against the server's budget.
    private var budgeted = 0
    /// An upload being written to its spool file.
    private var spool: (request: Request, fd: Int32, path: String, remaining: Int)?
    private var lastProgress: UInt64 = 0

    private static let outputHighWater = 256 * 1024

    /// `fromProxy`: the peer is a trusted proxy, whose forwarded headers are believed.
    init(fd: Int32, loop: EventLoop, remoteAddress: String, addressKey: String?, fromProxy: Bool) {
        self.fd = fd
        self.loop = loop
        self.remoteAddress = remoteAddress
        self.addressKey = addressKey
        self.parser = RequestParser(limits: loop.core.limits)
        self.parser.trustForwarded = fromProxy
        let responder = loop.core.responder
        self.parser.policy = { head in responder.bodyPolicy(for: &head) }
        lastProgress = loop.now
        updateDeadline()
    }

    private var limits: ServerLimits { loop.core.limits }

    // MARK: Events

    func handle(events: UInt32) {
        if events & (EPOLLERR.rawValue | EPOLLHUP.rawValue) != 0 && events & EPOLLIN.rawValue == 0 {
            close()
            return
        }
        if events & EPOLLOUT.rawValue != 0 {
            flush()
            if fd < 0 { return }
            // Requests that arrived while we were waiting for the client to read.
            if output.isEmpty && stream == nil && inputStart < input.count { process() }
        }
        if events & (EPOLLIN.rawValue | EPOLLRDHUP.rawValue) != 0 {
            readAvailable()
        }
    }

    private func readAvailable() {
        var gotBytes = false
        while fd >= 0 {
            let n = loop.readBuffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n > 0 {
                lastProgress = loop.now
                if lingering { continue }  // discard what a rejected client still sends
                if !parser.isMidRequest && inputStart == input.count { headStartedAt = loop.now }
                input.append(contentsOf: loop.readBuffer[0..<n])
                gotBytes = true
                if !updateBudget() {
                    // Over budget: a body already under way is refused; otherwise stop reading
                    // and parse what came, and the check after parsing decides.
                    if parser.isReadingBody {
                        refuseOverBudget()
                        return
                    }
                    break
                }
                if n < loop.readBuffer.count { break }
                // Bound what one connection may buffer before we parse it.
                if input.count - inputStart > limits.maxBodyBytes * 2 + limits.maxHeaderBytes + limits.maxRequestLineBytes { break }
            } else if n == 0 {
                peerClosedInput = true
                break
            } else {
                let error = errno
                if error == EINTR { continue }
                if error == EAGAIN || error == EWOULDBLOCK { break }
                close()
                return
            }
        }
        if fd < 0 { return }
        if lingering {
            if peerClosedInput { close() }
            return
        }
        if gotBytes { process() }
        if fd < 0 { return }
        // A head that just arrived may have begun a body the budget cannot hold.
        if !updateBudget() && parser.isReadingBody && !lingering {
            refuseOverBudget()
            return
        }
        if peerClosedInput {
            // The client will send nothing more: answer what it sent, then close.
            if !awaitingHandler && stream == nil && outputStart >= output.count {
                close()
                return
            }
            closeAfterWrite = true
            setInterest(interest & ~(EPOLLIN.rawValue | EPOLLRDHUP.rawValue))
        }
    }

    // MARK: Requests

    /// Parses and answers every complete request buffered, in order.
    private func process() {
        while fd >= 0 && !awaitingHandler && stream == nil && !closeAfterWrite {
            if output.count - outputStart > Self.outputHighWater { break }
            let available = input.count - inputStart
            if available == 0 { break }
            if spool != nil {
                if !continueSpool() { return }
                continue
            }
            let outcome = input.withUnsafeBufferPointer { all in
                parser.parse(UnsafeBufferPointer(rebasing: all[inputStart...]), remoteAddress: remoteAddress)
            }
            switch outcome {
            case .needMore:
                if parser.isReadingBody && bodyStartedAt == 0 { bodyStartedAt = loop.now }
                if parser.expectsContinue && !sentContinue {
                    sentContinue = true
                    output.append(contentsOf: Array("HTTP/1.1 100 Continue\r\n\r\n".utf8))
                }
                compactInput()
                flush()
                updateDeadline()
                return
            case .reject(let status, let reason):
                reject(status, reason)
            case .refuse(let request, let response):
                // Answered from its head alone; the body (if any) is never read, so the
                // connection closes after the answer, discarding what still arrives.
                write(response, for: request, keepAlive: false, started: monotonicNanoseconds())
                lingering = true
                input = []
                inputStart = 0
                parser.reset()
                _ = updateBudget()
            case .request(let request, let consumed):
                inputStart += consumed
                sentContinue = false
                headStartedAt = loop.now
                bodyStartedAt = 0
                dispatch(request)
            case .spool(let request, let consumed, let length):
                inputStart += consumed
                let path = limits.spoolDirectory + "/upload-\(UInt64.random(in: 0...UInt64.max))"
                let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
                guard fd >= 0 else {
                    refuseUpload(request, errno: errno, bodyLeft: length > 0)
                    continue
                }
                spool = (request, fd, path, length)
                bodyStartedAt = loop.now
                if request.headers["expect"]?.lowercased() == "100-continue" {
                    output.append(contentsOf: Array("HTTP/1.1 100 Continue\r\n\r\n".utf8))
                }
                if length == 0 { finishSpool() }
            }
        }
        compactInput()
        flush()
        updateDeadline()
    }

    /// Writes buffered upload bytes to the spool file; dispatches the request when complete.
    /// Returns false when it must wait for more bytes.
    private func continueSpool() -> Bool {
        guard let current = spool else { return true }
        let take = min(current.remaining, input.count - inputStart)
        if take > 0 {
            var failure: Int32 = 0
            let written = input.withUnsafeBytes { raw -> Bool in
                var offset = inputStart
                let end = inputStart + take
                while offset < end {
                    let n = Glibc.write(current.fd, raw.baseAddress.map { $0 + offset }, end - offset)
                    if n <= 0 {
                        if errno == EINTR { continue }
                        failure = n < 0 ? errno : ENOSPC  // a write of nothing: no room for a byte
                        return false
                    }
                    offset += n
                }
                return true
            }
            inputStart += take
            spool?.remaining -= take
            guard written else {
                let bodyLeft = (spool?.remaining ?? 0) > 0
                // What arrived is there until the answer is made: the application may read the
                // text that came before the disk filled, to give it back (`Responder.storageFull`).
                refuseUpload(current.request, errno: failure, bodyLeft: bodyLeft, arrived: current.path)
                abandonSpool()
                return true
            }
        }
        if spool?.remaining == 0 {
            finishSpool()
            return true
        }
        compactInput()
        flush()
        updateDeadline()
        return false
    }

    private func finishSpool() {
        guard let current = spool else { return }
        Glibc.close(current.fd)
        spool = nil
        var request = current.request
        request.bodyFile = current.path
        headStartedAt = loop.now
        bodyStartedAt = 0
        dispatch(request)
    }

    private func abandonSpool() {
        guard let current = spool else { return }
        Glibc.close(current.fd)
        unlink(current.path)
        spool = nil
    }

    /// Every connection's buffered bodies together are over the server's budget: this body
    /// waits for another day (`503`, `Retry-After`) rather than memory growing without bound.
    /// Heads are not refused: each is bounded by the header limits, and a visitor's `GET`
    /// must get through while bodies pile up.
    private func refuseOverBudget() {
        abandonSpool()
        reject(.serviceUnavailable, "the server is busy; try again shortly", retryAfter: 5)
        flush()
    }

    /// Counts this connection's buffered request bytes (input not yet answered, and the
    /// chunked body the parser decoded so far) against the server's budget. False when the
    /// budget is spent and this connection is the one asking for more.
    private func updateBudget() -> Bool {
        let held = fd >= 0 ? input.count - inputStart + parser.bufferedBodyBytes : 0
        let delta = held - budgeted
        if delta < 0 || (delta == 0 && held == 0) {
            if delta < 0 { loop.core.bufferedBytes.subtract(-delta, ordering: .relaxed) }
            budgeted = held
            return true
        }
        let total =
            delta == 0 ? loop.core.bufferedBytes.load(ordering: .relaxed) : loop.core.bufferedBytes.add(delta, ordering: .relaxed).newValue
        budgeted = held
        return total <= limits.bufferedBodyBudget
    }

    private func compactInput() {
        if inputStart == input.count {
            // An idle connection keeps only a small buffer: ten thousand of them must not
            // each hold the capacity of the largest request they ever sent.
            input.removeAll(keepingCapacity: input.capacity <= 16 * 1024)
            inputStart = 0
        } else if inputStart > 64 * 1024 {
            input.removeFirst(inputStart)
            inputStart = 0
        }
    }

    private func dispatch(_ request: Request) {
        let started = monotonicNanoseconds()
        let keepAlive = request.wantsKeepAlive && !loop.isStopping
        switch loop.core.responder.respond(to: request) {
        case .now(let response):
            write(response, for: request, keepAlive: keepAlive, started: started)
        case .later(let work, let placement):
            awaitingHandler = true
            setInterest(interest & ~EPOLLIN.rawValue)
            let loop = self.loop
            let finish: @Sendable (Response) -> Void = { [self] response in
                let done: @Sendable () -> Void = { self.finishLater(response, request: request, keepAlive: keepAlive, started: started) }
                if loop.inLoop { done() } else { loop.execute(done) }
            }
            switch placement {
            case .pool: Task.detached { finish(await work()) }
            case .eventLoop: Task(executorPreference: loop) { finish(await work()) }
            }
        }
    }

    private func finishLater(_ response: Response, request: Request, keepAlive: Bool, started: UInt64) {
        awaitingHandler = false
        guard fd >= 0 else {
            if case .stream(let body) = response.body { body.finish() }
            return
        }
        lastProgress = loop.now
        write(response, for: request, keepAlive: keepAlive && !loop.isStopping, started: started)
        if !closeAfterWrite && !peerClosedInput { setInterest(interest | EPOLLIN.rawValue) }
        process()
    }

    private func reject(_ status: Status, _ reason: String, retryAfter: Int? = nil) {
        let request = Request(method: "-", target: "-", remoteAddress: remoteAddress)
        let body = Array("\(status.code) \(status.reason): \(reason)\n".utf8)
        var response = Response(status: status, contentType: "text/plain; charset=utf-8", body: body)
        if let retryAfter { response.headers["Retry-After"] = String(retryAfter) }
        reject(response, for: request)
    }

    /// An upload that could not be written: a full disk gets the application's answer (`503`
    /// with `Retry-After`, said in the visitor's language), anything else a plain `500`.
    /// `arrived`: the spool file with what was written of the body before the failure.
    private func refuseUpload(_ request: Request, errno code: Int32, bodyLeft: Bool, arrived: String? = nil) {
        guard code == ENOSPC || code == EDQUOT else {
            reject(.internalServerError, "cannot store the upload")
            return
        }
        let error = POSIXError(POSIXErrorCode(rawValue: code) ?? .ENOSPC)
        var cut = request
        cut.bodyFile = arrived
        reject(loop.core.responder.storageFull(cut, error), for: request, bodyLeft: bodyLeft)
    }

    /// Answers and closes: what the client still sends is read and dropped (`lingering`).
    private func reject(_ response: Response, for request: Request, bodyLeft: Bool = false) {
        write(response, for: request, keepAlive: false, started: monotonicNanoseconds())
        lingering = bodyLeft || inputStart < input.count || parser.isMidRequest
        // What it sent is dropped, memory and share of the budget alike, now rather than when
        // the lingering close ends (thousands of refused bodies once held 500 MiB for 2 s).
        input = []
        inputStart = 0
        parser.reset()
        _ = updateBudget()
    }

    // MARK: Writing

    private func write(_ response: Response, for request: Request, keepAlive: Bool, started: UInt64) {
        var keepAlive = keepAlive
        let status = response.status
        let isHead = request.method == "HEAD"
        let hasBody = !(status.code < 200 || status.code == 204 || status.code == 304)
        // The head goes straight into the output bytes: no String is built per response.
        output.append(contentsOf: "HTTP/1.1 ".utf8)
        appendDecimal(status.code)
        output.append(32)
        output.append(contentsOf: status.reason.utf8)
        appendLineEnd()
        for field in response.headers {
            if Headers.sameName(field.name, "content-length") || Headers.sameName(field.name, "connection")
                || Headers.sameName(field.name, "transfer-encoding")
            {
                continue
            }
            output.append(contentsOf: field.name.utf8)
            output.append(58)
            output.append(32)
            output.append(contentsOf: field.value.utf8)
            appendLineEnd()
        }
        var bodyBytes: [UInt8] = []
        var bodyLength = 0
        var chunked = false
        var streamed: BodyStream?
        switch response.body {
        case .bytes(let bytes):
            bodyBytes = bytes
            bodyLength = bytes.count
            if hasBody { appendContentLength(bytes.count) }
        case .stream(let body):
            if !hasBody || isHead {
                body.finish()
                if let length = body.length, hasBody { appendContentLength(length) }
            } else {
                streamed = body
                if let length = body.length {
                    appendContentLength(length)
                    bodyLength = length
                } else if request.version == .http11 {
                    output.append(contentsOf: "Transfer-Encoding: chunked\r\n".utf8)
                    chunked = true
                } else {
                    keepAlive = false  // HTTP/1.0: the end of the body is the end of the connection
                }
            }
        }
        if !keepAlive {
            output.append(contentsOf: "Connection: close\r\n".utf8)
            closeAfterWrite = true
        } else if request.version == .http10 {
            output.append(contentsOf: "Connection: keep-alive\r\n".utf8)
        }
        output.append(contentsOf: loop.dateLine)
        output.append(13)
        output.append(10)
        if hasBody && !isHead {
            output.append(contentsOf: bodyBytes)
            if let streamed { stream = (streamed, chunked) }
        }
        log(request, path: response.logPath ?? request.path, status: status.code, bytes: isHead ? 0 : bodyLength, started: started)
        if let metrics = loop.core.metrics {
            metrics.record(route: response.route, status: status.code, nanoseconds: monotonicNanoseconds() &- started, on: loop)
        }
        if let file = request.bodyFile { unlink(file) }  // a handler keeps an upload by moving it
    }

    private func appendLineEnd() {
        output.append(13)
        output.append(10)
    }

    private func appendContentLength(_ length: Int) {
        output.append(contentsOf: "Content-Length: ".utf8)
        appendDecimal(length)
        appendLineEnd()
    }

    /// `value` in decimal ASCII: the digits from the last, then turned round in place.
    private func appendDecimal(_ value: Int) {
        let start = output.count
        var rest = value.magnitude
        repeat {
            output.append(UInt8(truncatingIfNeeded: 48 &+ rest % 10))
            rest /= 10
        } while rest > 0
        output[start...].reverse()
    }

    private func log(_ request: Request, path: String, status: Int, bytes: Int, started: UInt64) {
        guard loop.core.accessLog.isEnabled else { return }
        let micros = (monotonicNanoseconds() &- started) / 1000
        let log = loop.core.accessLog
        let address = log.fullAddresses ? request.remoteAddress : AccessLog.network(of: request.remoteAddress)
        loop.appendLogLine(address: address, method: request.method, path: path, status: status, bytes: bytes, micros: micros)
    }

    /// Writes as much as the socket takes; refills from a streamed body; closes or
    /// resumes reading when everything is out.
    private func flush() {
        while fd >= 0 {
            if let current = stream, output.count - outputStart < Self.outputHighWater {
                do {
                    if let piece = try current.body.next() {
                        if piece.isEmpty { continue }
                        if current.chunked { output.append(contentsOf: Array((String(piece.count, radix: 16) + "\r\n").utf8)) }
                        output.append(contentsOf: piece)
                        if current.chunked {
                            output.append(13)
                            output.append(10)
                        }
                    } else {
                        if current.chunked { output.append(contentsOf: Array("0\r\n\r\n".utf8)) }
                        stream = nil
                    }
                } catch {
                    // Headers are gone already; all we can do is cut the connection.
                    current.body.finish()
                    stream = nil
                    close()
                    return
                }
                continue
            }
            if outputStart < output.count {
                let n = output.withUnsafeBytes { raw in
                    send(fd, raw.baseAddress.map { $0 + outputStart }, raw.count - outputStart, Int32(MSG_NOSIGNAL))
                }
                if n > 0 {
                    outputStart += n
                    lastProgress = loop.now
                    continue
                }
                let error = errno
                if n < 0 && error == EINTR { continue }
                if n < 0 && (error == EAGAIN || error == EWOULDBLOCK) {
                    setInterest((interest | EPOLLOUT.rawValue) & ~EPOLLIN.rawValue)
                    return
                }
                close()
                return
            }
            break
        }
        guard fd >= 0 else { return }
        if output.capacity > 1024 * 1024 { output = [] } else { output.removeAll(keepingCapacity: true) }
        outputStart = 0
        if (closeAfterWrite || (loop.draining && isIdle)) && !awaitingHandler {
            if lingering {
                // Let the client read our answer before the socket goes: stop sending,
                // drain what it still sends for a moment, then close.
                shutdown(fd, Int32(SHUT_WR))
                setInterest(EPOLLIN.rawValue | EPOLLRDHUP.rawValue)
                deadline = loop.now + 2_000_000_000
                return
            }
            close()
            return
        }
        var wanted = interest & ~EPOLLOUT.rawValue
        if !awaitingHandler && !peerClosedInput { wanted |= EPOLLIN.rawValue }
        setInterest(wanted)
    }

    private func setInterest(_ events: UInt32) {
        guard fd >= 0, events != interest else { return }
        interest = events
        loop.modify(fd, events: events)
    }

    // MARK: Timeouts and shutdown

    private func updateDeadline() {
        guard !lingering else { return }
        let seconds: Double
        if awaitingHandler {
            deadline = .max
            return
        } else if outputStart < output.count || stream != nil {
            seconds = limits.bodyTimeout
            deadline = lastProgress + UInt64(seconds * 1e9)
        } else if parser.isReadingBody || spool != nil {
            // From the start of the body, not the last byte: one byte every 20 s is no body.
            deadline = (bodyStartedAt == 0 ? loop.now : bodyStartedAt) + UInt64(limits.bodyTimeout * 1e9)
        } else if parser.isMidRequest || inputStart < input.count {
            deadline = headStartedAt + UInt64(limits.headerTimeout * 1e9)
        } else {
            deadline = lastProgress + UInt64(limits.idleTimeout * 1e9)
        }
    }

    func timedOut() {
        if lingering || awaitingHandler {
            if lingering { close() }
            return
        }
        updateDeadline()
        guard deadline <= loop.now else { return }
        if parser.isMidRequest || inputStart < input.count || spool != nil {
            abandonSpool()
            reject(.requestTimeout, "request not received in time")
            flush()
            if fd >= 0 && !lingering { close() }
        } else {
            close()
        }
    }

    /// Shutdown: an idle connection closes now; a busy one after its current response.
    func drain() {
        if isIdle { close() }
        // Otherwise the response in progress carries `Connection: close` (the loop is
        // draining) and the connection closes once it is written.
    }

    private var isIdle: Bool {
        !awaitingHandler && stream == nil && spool == nil && outputStart >= output.count && !parser.isMidRequest
            && inputStart >= input.count
    }

    func close() {
        guard fd >= 0 else { return }
        abandonSpool()
        stream?.body.finish()
        stream = nil
        loop.remove(fd)
        Glibc.close(fd)
        loop.connections[fd] = nil
        loop.core.openConnections.subtract(1, ordering: .relaxed)
        if let addressKey { loop.core.release(addressKey) }
        fd = -1
        _ = updateBudget()
        input = []
        output = []
    }
}
