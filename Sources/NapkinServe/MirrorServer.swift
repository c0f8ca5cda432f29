import FlyingFox
import FlyingSocks
import Foundation
import NapkinCore

/// The live browser mirror: one local page that shows the session as it happens and moves its
/// knobs. The session's thread publishes entries, knobs and goals; the page gets them over a
/// WebSocket. A move from the page needs the session's token and waits in a queue until the
/// session's thread applies it (its `wakeFD` becomes readable), so the interpreter is only ever
/// touched by that thread.
///
/// What it serves is fixed: the page's embedded assets, the state as JSON, the event socket and
/// the move endpoint. No path reaches the file system.
public final class MirrorServer: @unchecked Sendable {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    public let host: String
    public private(set) var port: UInt16 = 0
    /// Required (header `X-Napkin-Token`) for a knob move; without it the page only views.
    public let token: String
    /// Readable while moves wait in the queue: the session's line editor polls it with the keyboard.
    public let wakeFD: Int32
    private let wakeWrite: Int32
    let state = RoomState()
    private let clients = Clients()
    private let moves = MoveQueue()
    private var server: HTTPServer!
    private var task: Task<Void, Never>?

    /// The address to open, with the token in the fragment (never sent to the server by a browser).
    public var url: String { "http://\(urlHost):\(port)/#token=\(token)" }
    /// The address for viewers: no token, so no moves.
    public var viewURL: String { "http://\(urlHost):\(port)/" }
    private var urlHost: String { host.contains(":") ? "[\(host)]" : host }
    /// Bound to the loopback address only (the default): requests from elsewhere are refused too.
    public var loopbackOnly: Bool { MirrorServer.isLoopback(host) }

    /// Starts listening on `host:port` (port 0 picks a free one) and returns once it listens.
    public init(host: String = "127.0.0.1", port: UInt16 = 0, token: String? = nil, title: String = "napkin") throws {
        self.host = host
        self.token = token ?? MirrorServer.makeToken()
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw Failure(description: "cannot make a pipe: \(String(cString: strerror(errno)))") }
        wakeFD = fds[0]
        wakeWrite = fds[1]
        for fd in fds { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
        state.set(title: Sanitized.line(title))
        let address: any SocketAddress
        do {
            address = host.contains(":") ? try sockaddr_in6.inet6(ip6: host, port: port) : try sockaddr_in.inet(ip4: host, port: port)
        } catch {
            close(fds[0]); close(fds[1])
            throw Failure(description: "cannot listen on '\(host)': give an IP address such as 127.0.0.1 or 0.0.0.0")
        }
        let server = HTTPServer(address: address, timeout: 30, logger: .disabled)
        self.server = server
        try start(server, port: port)
    }

    deinit { stop() }

    private func start(_ server: HTTPServer, port: UInt16) throws {
        let ready = DispatchSemaphore(value: 0)
        let result = Box<Result<UInt16, Failure>>(.failure(Failure(description: "the server did not start within 10 s")))
        let handler = Handler(mirror: self)
        task = Task.detached {
            await server.appendRoute("*", to: handler)
            let failure = Box<String?>(nil)
            let run = Task {
                do { try await server.run() } catch { failure.value = "\(error)" }
                if failure.value == nil { failure.value = "the server stopped" }
            }
            // Listening, or run() gave up (the port is taken, the address is not this machine's).
            let deadline = Date().addingTimeInterval(10)
            while Date() < deadline {
                if await server.isListening, let address = await server.listeningAddress {
                    switch address {
                    case .ip4(_, let p), .ip6(_, let p): result.value = .success(p)
                    default: break
                    }
                    break
                }
                if let why = failure.value {
                    result.value = .failure(Failure(description: "cannot listen on \(self.host) port \(port): \(why)"))
                    break
                }
                try? await Task.sleep(nanoseconds: 10_000_000)
            }
            ready.signal()
            _ = await run.result
        }
        if ready.wait(timeout: .now() + 12) == .timedOut { task?.cancel(); throw result.value.failureValue! }
        switch result.value {
        case .success(let p): self.port = p
        case .failure(let f): task?.cancel(); throw f
        }
    }

    /// Stops listening and closes every connection.
    public func stop() {
        guard let task else { return }
        self.task = nil
        clients.finishAll()
        let server = self.server!
        let done = DispatchSemaphore(value: 0)
        Task.detached { await server.stop(timeout: 0.2); done.signal() }
        _ = done.wait(timeout: .now() + 3)
        task.cancel()
        close(wakeWrite)
        close(wakeFD)
    }

    // MARK: Publishing (the session's thread)

    public func setTitle(_ title: String) { state.set(title: Sanitized.line(title)) }

    /// An input and what it printed (terminal escapes taken out: the page has its own styles).
    public func publish(_ entry: EntryView) {
        var entry = entry
        entry.input = MirrorServer.plainText(entry.input)
        entry.output = MirrorServer.plainText(entry.output)
        let e = state.add(entry)
        clients.send(Message.entry(e).json)
    }

    /// Knobs and goals for the page: their names, options and descriptions were written by a
    /// script, so they arrive with control characters made visible, as on the terminal.
    public func publish(knobs: [KnobView]) {
        let knobs = knobs.map { k in
            var k = k
            k.display = Sanitized.line(k.display)
            k.choices = k.choices.map(Sanitized.line)
            k.selected = k.selected.map(Sanitized.line)
            k.doc = k.doc.map(Sanitized.line)
            return k
        }
        if state.set(knobs: knobs) { clients.send(Message.knobs(knobs).json) }
    }

    public func publish(goals: [GoalView]) {
        let goals = goals.map { g in
            var g = g
            g.text = Sanitized.line(g.text)
            return g
        }
        if state.set(goals: goals) { clients.send(Message.goals(goals).json) }
    }

    /// The moves the page asked for since the last call, oldest first; empties the wake pipe.
    public func takeMoves() -> [KnobMove] {
        var buf = [UInt8](repeating: 0, count: 64)
        while read(wakeFD, &buf, buf.count) > 0 {}
        return moves.takeAll()
    }

    // MARK: Requests (the server's tasks)

    /// Whether a request may be answered at all. On the loopback address (the default) only local
    /// peers, and only with a local Host header: a web page elsewhere cannot rebind a name of its
    /// own to 127.0.0.1 and read the session.
    public static func admits(peer: String?, hostHeader: String?, loopbackOnly: Bool) -> Bool {
        guard loopbackOnly else { return true }
        guard let peer, isLoopback(peer) else { return false }
        guard let hostHeader else { return true }
        var name = hostHeader.lowercased()
        if name.hasPrefix("[") { name = String(name.dropFirst().prefix { $0 != "]" }) }
        else if let colon = name.lastIndex(of: ":"), name.filter({ $0 == ":" }).count == 1 { name = String(name[..<colon]) }
        return name == "localhost" || isLoopback(name)
    }

    /// A browser's Origin (when it sends one) names the address the page was loaded from.
    public static func sameOrigin(_ origin: String?, host: String?) -> Bool {
        guard let origin else { return true }
        guard let host else { return false }
        return origin.lowercased() == "http://" + host.lowercased()
    }

    public static func isLoopback(_ address: String) -> Bool {
        var a = address
        if a.hasPrefix("::ffff:") { a = String(a.dropFirst(7)) }
        if a == "::1" { return true }
        let parts = a.split(separator: ".")
        return parts.count == 4 && parts[0] == "127" && parts.allSatisfy { UInt8($0) != nil }
    }

    /// Text without ANSI escape sequences (colour, clear screen) or other control characters.
    public static func plainText(_ s: String) -> String {
        var out = String.UnicodeScalarView()
        var it = s.unicodeScalars.makeIterator()
        while let c = it.next() {
            if c == "\u{1B}" {
                guard let n = it.next() else { break }
                if n == "[" { while let p = it.next(), !(0x40...0x7E).contains(p.value) {} }  // CSI … final byte
                else if n == "]" { while let p = it.next(), p != "\u{7}", p != "\u{1B}" {} }  // OSC … BEL
                continue
            }
            if c.value < 0x20 && c != "\n" && c != "\t" { continue }
            if c.value == 0x7F { continue }
            out.append(c)
        }
        return Sanitized.text(String(out))  // C1 and bidirectional controls made visible
    }

    /// The same bytes, compared in time that does not depend on where they first differ.
    static func sameToken(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var diff: UInt8 = 0
        for i in 0..<x.count { diff |= x[i] ^ y[i] }
        return diff == 0
    }

    static func makeToken() -> String {
        var g = SystemRandomNumberGenerator()
        return (0..<16).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &g)) }.joined()
    }

    func handle(_ request: HTTPRequest) async -> HTTPResponse {
        let peer: String?
        switch request.remoteAddress {
        case .ip4(let ip, _)?, .ip6(let ip, _)?: peer = ip
        default: peer = nil
        }
        guard MirrorServer.admits(peer: peer, hostHeader: request.headers[.host], loopbackOnly: loopbackOnly) else {
            return text(.forbidden, "napkin serves this session to this machine only (start it with --host to share it)")
        }
        switch (request.method, request.path) {
        case (.GET, "/events"):
            // A page from another site may open a WebSocket here too: only this page's own origin reads the session.
            guard MirrorServer.sameOrigin(request.headers[HTTPHeader("Origin")], host: request.headers[.host]) else {
                return text(.forbidden, "the session's events are for napkin's own page")
            }
            return (try? await WebSocketHTTPHandler(handler: MessageFrameWSHandler(handler: EventSocket(mirror: self))).handleRequest(request))
                ?? text(.badRequest, "expected a WebSocket handshake")
        case (.GET, "/state"):
            return HTTPResponse(statusCode: .ok, headers: [.contentType: "application/json"], body: Data(state.snapshot().json.utf8))
        case (.POST, "/move"):
            guard MirrorServer.sameOrigin(request.headers[HTTPHeader("Origin")], host: request.headers[.host]) else {
                return text(.forbidden, "knobs move from napkin's own page")
            }
            return move(request.headers[HTTPHeader("X-Napkin-Token")], (try? await request.bodyData) ?? Data())
        case (.GET, _), (.HEAD, _):
            guard let asset = PageAssets.asset(at: request.path) else { return text(.notFound, "not found") }
            return HTTPResponse(statusCode: .ok, headers: [.contentType: asset.type, HTTPHeader("Cache-Control"): "no-store",
                                                            HTTPHeader("X-Content-Type-Options"): "nosniff"],
                                body: Data(asset.body.utf8))
        default:
            return text(.methodNotAllowed, "method not allowed")
        }
    }

    func move(_ given: String?, _ body: Data) -> HTTPResponse {
        switch MirrorServer.check(token: given, expected: token, body: body, knob: state.knob) {
        case .failure(let refusal): return text(HTTPStatusCode(refusal.status, phrase: ""), refusal.message)
        case .success(let m):
            moves.add(m)
            var one: UInt8 = 1
            _ = write(wakeWrite, &one, 1)
            return text(.accepted, "queued")
        }
    }

    struct Refusal: Error, Equatable {
        let status: Int
        let message: String
    }

    /// A move request checked against the token and the knob it names: what to queue, or why not.
    static func check(token given: String?, expected token: String, body: Data, knob: (String) -> KnobView?) -> Result<KnobMove, Refusal> {
        guard let given, sameToken(given, token) else {
            return .failure(Refusal(status: 403, message: "moving a knob needs the session's token (napkin printed it with the address)"))
        }
        struct Request: Decodable { let name: String; let value: Double?; let choice: String? }
        guard body.count <= 4096, let r = try? JSONDecoder().decode(Request.self, from: body) else {
            return .failure(Refusal(status: 400, message: "expected JSON like {\"name\": \"eta\", \"value\": 2.5}"))
        }
        guard let knob = knob(r.name) else { return .failure(Refusal(status: 404, message: "no knob called '\(r.name)' on the workbench")) }
        switch knob.kind {
        case .range:
            guard let v = r.value, v.isFinite else { return .failure(Refusal(status: 400, message: "'\(r.name)' takes a number")) }
            return .success(KnobMove(name: r.name, setting: .number(v)))
        case .choice, .toggle:
            guard let c = r.choice, knob.choices.contains(c) else {
                return .failure(Refusal(status: 400, message: "'\(r.name)' takes one of \(knob.choices.joined(separator: ", "))"))
            }
            return .success(KnobMove(name: r.name, setting: .choice(c)))
        }
    }

    func text(_ status: HTTPStatusCode, _ s: String) -> HTTPResponse {
        HTTPResponse(statusCode: status, headers: [.contentType: "text/plain; charset=utf-8"], body: Data((s + "\n").utf8))
    }

    /// One page's event stream: the snapshot first, then every change.
    struct EventSocket: WSMessageHandler {
        let mirror: MirrorServer
        func makeMessages(for client: AsyncStream<WSMessage>) async throws -> AsyncStream<WSMessage> {
            let (stream, continuation) = AsyncStream<WSMessage>.makeStream(bufferingPolicy: .bufferingNewest(500))
            let id = mirror.clients.add(continuation)
            continuation.yield(.text(mirror.state.snapshot().json))
            let clients = mirror.clients
            Task {
                for await _ in client {}  // the page sends nothing; the loop ends when it goes away
                clients.remove(id)
            }
            return stream
        }
    }

    struct Handler: HTTPHandler {
        let mirror: MirrorServer
        func handleRequest(_ request: HTTPRequest) async throws -> HTTPResponse { await mirror.handle(request) }
    }
}

/// The pages connected to the event socket.
final class Clients: @unchecked Sendable {
    private let lock = NSLock()
    private var next = 0
    private var all: [Int: AsyncStream<WSMessage>.Continuation] = [:]

    func add(_ c: AsyncStream<WSMessage>.Continuation) -> Int {
        lock.lock(); defer { lock.unlock() }
        next += 1
        all[next] = c
        return next
    }

    func remove(_ id: Int) {
        lock.lock(); let c = all.removeValue(forKey: id); lock.unlock()
        c?.finish()
    }

    func send(_ text: String) {
        lock.lock(); let cs = Array(all.values); lock.unlock()
        for c in cs { c.yield(.text(text)) }
    }

    func finishAll() {
        lock.lock(); let cs = Array(all.values); all = [:]; lock.unlock()
        for c in cs { c.finish() }
    }
}

/// Moves from the page, waiting for the session's thread.
final class MoveQueue: @unchecked Sendable {
    private let lock = NSLock()
    private var moves: [KnobMove] = []
    /// More than this many unapplied moves means nobody is applying them: drop the oldest.
    static let limit = 64

    func add(_ m: KnobMove) {
        lock.lock(); defer { lock.unlock() }
        moves.append(m)
        if moves.count > MoveQueue.limit { moves.removeFirst(moves.count - MoveQueue.limit) }
    }

    func takeAll() -> [KnobMove] {
        lock.lock(); defer { lock.unlock() }
        defer { moves = [] }
        return moves
    }
}

final class Box<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var _value: T
    init(_ v: T) { _value = v }
    var value: T {
        get { lock.lock(); defer { lock.unlock() }; return _value }
        set { lock.lock(); _value = newValue; lock.unlock() }
    }
}

extension Result {
    var failureValue: Failure? { if case .failure(let f) = self { return f }; return nil }
}
