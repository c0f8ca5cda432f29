import Foundation
import NapkinCore
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket

/// The live browser mirror: one local page that shows the session as it happens and moves its
/// knobs. The session's thread publishes entries, knobs and goals; the page gets them over a
/// WebSocket. A move from the page needs the session's token and waits in a queue until the
/// session's thread applies it (its `wakeFD` becomes readable), so the interpreter is only ever
/// touched by that thread.
///
/// What it serves is fixed: the page's embedded assets, the state as JSON, the event socket and
/// the move endpoint. No path reaches the file system. The server is SwiftNIO on one event-loop
/// thread of its own; that thread reads the shared state (behind its lock) and queues moves, and
/// never calls into the interpreter.
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
    let clients = Clients()
    private let moves = MoveQueue()
    private let connections = Connections()
    private var group: MultiThreadedEventLoopGroup?
    private var listener: Channel?

    /// A move's body is at most this long (`check` refuses more); bytes past it are not kept.
    static let bodyLimit = 4096
    /// Event messages a page may leave unread before its socket is closed (the page reconnects
    /// and starts again from a snapshot): a stalled reader cannot make the server buffer without end.
    static let unsentLimit = 500
    /// And at most this many bytes of them (a session of big figures makes big messages).
    static let unsentByteLimit = 4 << 20
    /// A request must arrive whole (head and body) this long after the connection opened or its
    /// last answer went out, however slowly its bytes trickle in; a connection that sends nothing
    /// is closed then too. An open event socket is exempt: the page only listens on it.
    static let requestDeadline = TimeAmount.seconds(30)
    /// Connections open at once, and pages among them: more are refused, so that other
    /// programs on the machine (or, with `--host`, in the room) cannot exhaust the lecturer's
    /// memory with sockets that never read.
    static let connectionLimit = 128
    static let pageLimit = 32
    /// A request's head (request line and headers) is bounded too.
    static let headLimits: NIOHTTPDecoderLimitConfiguration = {
        var limits = NIOHTTPDecoderLimitConfiguration()
        limits.maxHeaderFieldSize = 16 << 10
        limits.maxHeaderListSize = 64 << 10
        limits.maxHeaderFieldCount = 100
        return limits
    }()

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
        let address: SocketAddress
        do {
            address = try SocketAddress(ipAddress: host, port: Int(port))
        } catch {
            close(fds[0]); close(fds[1])
            throw Failure(description: "cannot listen on '\(host)': give an IP address such as 127.0.0.1 or 0.0.0.0")
        }
        // SwiftNIO's event loop stops the process if it cannot get its own descriptors (epoll,
        // an eventfd, a timerfd: a fatal error, or an assertion in a debug build), so a process
        // short of them (`ulimit -n 8`) is told so here instead.
        guard MirrorServer.freeDescriptors(atLeast: MirrorServer.descriptorsNeeded) else {
            close(fds[0]); close(fds[1])
            throw Failure(description: "cannot start the mirror: too few free file descriptors (raise ulimit -n: it needs \(MirrorServer.descriptorsNeeded) more, and one for each page)")
        }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        do {
            let listener = try ServerBootstrap(group: group)
                .serverChannelOption(ChannelOptions.backlog, value: 64)
                .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
                .childChannelInitializer { [self] channel in
                    channel.eventLoop.makeCompletedFuture { try self.setUp(channel) }
                }
                .bind(to: address)
                .wait()
            self.group = group
            self.listener = listener
            self.port = UInt16(listener.localAddress?.port ?? Int(port))
        } catch {
            try? group.syncShutdownGracefully()
            close(fds[0]); close(fds[1])
            let why = (error as? IOError).map { String(cString: strerror($0.errnoCode)) } ?? "\(error)"
            throw Failure(description: "cannot listen on \(host) port \(port): \(why)")
        }
    }

    /// The event loop's own three descriptors (epoll, an eventfd, a timerfd) and the listener.
    static let descriptorsNeeded = 4

    /// Whether `n` more file descriptors can be opened now (opened and closed again to see).
    static func freeDescriptors(atLeast n: Int) -> Bool {
        var opened: [Int32] = []
        defer { for fd in opened { close(fd) } }
        for _ in 0..<n {
            let fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            guard fd >= 0 else { return false }
            opened.append(fd)
        }
        return true
    }

    deinit { stop() }

    /// Stops listening and closes every connection (each page is told it is going away).
    public func stop() {
        guard let group else { return }
        self.group = nil
        clients.closeAll()
        listener?.close(promise: nil)
        listener = nil
        connections.closeAll()
        try? group.syncShutdownGracefully()
        close(wakeWrite)
        close(wakeFD)
    }

    /// One accepted connection's pipeline (on its event loop): HTTP/1.1 with a deadline for each
    /// request and bounded heads, and the upgrade to the event socket for `GET /events` from this page.
    private func setUp(_ channel: Channel) throws {
        // Refused before anything is set up: the connection closes at once.
        guard connections.add(channel, limit: MirrorServer.connectionLimit) else { throw Failure(description: "too many connections") }
        let pipeline = channel.pipeline.syncOperations
        let requests = RequestHandler(mirror: self)
        let events = NIOWebSocketServerUpgrader(
            maxFrameSize: 1 << 12,  // the page sends nothing but a close frame or a pong
            automaticErrorHandling: true,
            shouldUpgrade: { [self] channel, head in
                // Refused: the request goes on to RequestHandler, which says why (403 or 400).
                let accepted = acceptsEvents(head, peer: channel.remoteAddress?.ipAddress) && clients.count < MirrorServer.pageLimit
                return channel.eventLoop.makeSucceededFuture(accepted ? HTTPHeaders() : nil)
            },
            upgradePipelineHandler: { [self] channel, _ in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(EventSocket(mirror: self, loop: channel.eventLoop))
                }
            })
        let handlers = NIOLoopBound(requests, eventLoop: channel.eventLoop)
        try pipeline.configureHTTPServerPipeline(
            withServerUpgrade: (upgraders: [events], completionHandler: { context in
                // The handshake is answered: plain HTTP is over on this connection.
                context.pipeline.syncOperations.removeHandler(handlers.value, promise: nil)
            }),
            withEncoderConfiguration: .init(),
            withDecoderLimitConfiguration: MirrorServer.headLimits)
        try pipeline.addHandler(requests)
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

    // MARK: Requests (the event loop's thread)

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

    /// An answer to one request: a status and a body of text.
    struct Reply {
        var status: HTTPResponseStatus
        var type: String
        var body: String
        var headers: [(String, String)] = []
    }

    /// Whether `GET /events` may become this page's event socket: the same checks as a request.
    func acceptsEvents(_ head: HTTPRequestHead, peer: String?) -> Bool {
        let host = MirrorServer.field(head.headers, "Host")
        return head.method == .GET && MirrorServer.path(of: head.uri) == "/events"
            && MirrorServer.admits(peer: peer, hostHeader: host, loopbackOnly: loopbackOnly)
            && MirrorServer.sameOrigin(MirrorServer.field(head.headers, "Origin"), host: host)
    }

    /// The answer to a whole request (its body, when it is a move, at most `bodyLimit + 1` bytes).
    func answer(_ head: HTTPRequestHead, peer: String?, body: Data) -> Reply {
        let host = MirrorServer.field(head.headers, "Host")
        guard MirrorServer.admits(peer: peer, hostHeader: host, loopbackOnly: loopbackOnly) else {
            return text(.forbidden, "napkin serves this session to this machine only (start it with --host to share it)")
        }
        let origin = MirrorServer.field(head.headers, "Origin")
        let path = MirrorServer.path(of: head.uri)
        switch (head.method, path) {
        case (.GET, "/events"):
            // A page from another site may open a WebSocket here too: only this page's own origin reads the session.
            guard MirrorServer.sameOrigin(origin, host: host) else {
                return text(.forbidden, "the session's events are for napkin's own page")
            }
            // A handshake that is accepted never gets here: the upgrade has answered it.
            if clients.count >= MirrorServer.pageLimit, MirrorServer.field(head.headers, "Upgrade")?.lowercased() == "websocket" {
                return text(.serviceUnavailable, "\(MirrorServer.pageLimit) pages already follow this session; close one and reload")
            }
            return text(.badRequest, "expected a WebSocket handshake")
        case (.GET, "/state"):
            return Reply(status: .ok, type: "application/json", body: state.snapshot().json)
        case (.POST, "/move"):
            guard MirrorServer.sameOrigin(origin, host: host) else {
                return text(.forbidden, "knobs move from napkin's own page")
            }
            return move(MirrorServer.field(head.headers, "X-Napkin-Token"), body)
        case (.GET, _), (.HEAD, _):
            guard let asset = PageAssets.asset(at: path) else { return text(.notFound, "not found") }
            return Reply(status: .ok, type: asset.type, body: asset.body,
                         headers: [("Cache-Control", "no-store"), ("X-Content-Type-Options", "nosniff")])
        default:
            return text(.methodNotAllowed, "method not allowed")
        }
    }

    /// A header's value; one given more than once counts as all its values joined (so a second
    /// Host header cannot slip past the loopback check).
    static func field(_ headers: HTTPHeaders, _ name: String) -> String? {
        let values = headers[name]
        return values.isEmpty ? nil : values.joined(separator: ", ")
    }

    /// The path a request names: without its query, percent-decoded, dot segments resolved
    /// ("" when it is not a URL path at all, which no asset matches).
    static func path(of target: String) -> String {
        let raw = String(target.prefix { $0 != "?" && $0 != "#" })
        return URL(string: raw)?.standardized.path ?? ""
    }

    func move(_ given: String?, _ body: Data) -> Reply {
        switch MirrorServer.check(token: given, expected: token, body: body, knob: state.knob) {
        case .failure(let refusal): return text(HTTPResponseStatus(statusCode: refusal.status), refusal.message)
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
        guard body.count <= MirrorServer.bodyLimit, let r = try? JSONDecoder().decode(Request.self, from: body) else {
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

    func text(_ status: HTTPResponseStatus, _ s: String) -> Reply {
        Reply(status: status, type: "text/plain; charset=utf-8", body: s + "\n")
    }
}

/// The pages connected to the event socket. `send` and `closeAll` come from the session's thread;
/// each socket writes on its own event loop.
final class Clients: @unchecked Sendable {
    private let lock = NSLock()
    private var next = 0
    private var all: [Int: EventSocket] = [:]

    func add(_ c: EventSocket) -> Int {
        lock.lock(); defer { lock.unlock() }
        next += 1
        all[next] = c
        return next
    }

    func remove(_ id: Int) {
        lock.lock(); all.removeValue(forKey: id); lock.unlock()
    }

    var count: Int { lock.lock(); defer { lock.unlock() }; return all.count }

    func send(_ text: String) {
        lock.lock(); let cs = Array(all.values); lock.unlock()
        guard !cs.isEmpty else { return }
        let message = ByteBuffer(string: text)
        for c in cs { c.send(message) }
    }

    func closeAll() {
        lock.lock(); let cs = Array(all.values); all = [:]; lock.unlock()
        for c in cs { c.goAway() }
    }
}

/// Every open connection, so that `stop()` closes them all.
final class Connections: @unchecked Sendable {
    private let lock = NSLock()
    private var all: [ObjectIdentifier: Channel] = [:]

    /// False (and nothing kept) when `limit` connections are open already.
    func add(_ channel: Channel, limit: Int) -> Bool {
        let id = ObjectIdentifier(channel)
        lock.lock()
        guard all.count < limit else { lock.unlock(); return false }
        all[id] = channel
        lock.unlock()
        channel.closeFuture.whenComplete { [self] _ in
            lock.lock(); all.removeValue(forKey: id); lock.unlock()
        }
        return true
    }

    func closeAll() {
        lock.lock(); let cs = Array(all.values); lock.unlock()
        for c in cs { c.close(promise: nil) }
    }
}

/// Plain HTTP on one connection: a request is answered once it has all arrived. Only a move's
/// body is kept, and no more of it than `check` accepts (plus one byte, so it sees the excess).
final class RequestHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let mirror: MirrorServer
    private var head: HTTPRequestHead?
    private var body = ByteBuffer()
    private var keepsBody = false

    /// Closes the connection unless the request now awaited has arrived whole by then.
    private var deadline: Scheduled<Void>?

    init(mirror: MirrorServer) { self.mirror = mirror }

    func handlerAdded(context: ChannelHandlerContext) { awaitRequest(context) }

    func handlerRemoved(context: ChannelHandlerContext) {
        deadline?.cancel()
        deadline = nil
    }

    private func awaitRequest(_ context: ChannelHandlerContext) {
        deadline?.cancel()
        let channel = context.channel
        deadline = context.eventLoop.scheduleTask(in: MirrorServer.requestDeadline) { channel.close(promise: nil) }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch Self.unwrapInboundIn(data) {
        case .head(let h):
            head = h
            body.clear()
            keepsBody = h.method == .POST
        case .body(var chunk):
            let room = MirrorServer.bodyLimit + 1 - body.readableBytes
            if keepsBody, room > 0, let kept = chunk.readSlice(length: min(room, chunk.readableBytes)) {
                body.writeImmutableBuffer(kept)
            }
        case .end:
            guard let h = head else { return }
            head = nil
            deadline?.cancel()
            let reply = mirror.answer(h, peer: context.channel.remoteAddress?.ipAddress, body: Data(body.readableBytesView))
            body.clear()
            respond(reply, to: h, context: context)
            awaitRequest(context)
        }
    }

    private func respond(_ reply: MirrorServer.Reply, to request: HTTPRequestHead, context: ChannelHandlerContext) {
        let bytes = ByteBuffer(string: reply.body)
        var headers = HTTPHeaders([("Content-Type", reply.type)] + reply.headers)
        headers.add(name: "Content-Length", value: String(bytes.readableBytes))
        let keepAlive = request.isKeepAlive
        if !keepAlive {
            headers.add(name: "Connection", value: "close")
        } else if request.version == .http1_0 {
            headers.add(name: "Connection", value: "keep-alive")
        }
        // HTTP/1.1 whatever the request's version, as a server that speaks it should answer.
        context.write(Self.wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: reply.status, headers: headers))), promise: nil)
        if request.method != .HEAD { context.write(Self.wrapOutboundOut(.body(.byteBuffer(bytes))), promise: nil) }
        let sent = context.writeAndFlush(Self.wrapOutboundOut(.end(nil)))
        if !keepAlive { sent.whenComplete { _ in context.close(promise: nil) } }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        // A refused WebSocket handshake is reported here before the request arrives; it is answered then.
        if error is NIOWebSocketUpgradeError { return }
        // A malformed request has had its 400 (HTTPServerProtocolErrorHandler); a reset needs nothing.
        context.close(promise: nil)
    }
}

/// One page's event socket: the snapshot first, then every change, as text frames of JSON. The
/// page sends nothing but a close (or a pong); when it goes away it leaves `clients`.
final class EventSocket: ChannelInboundHandler, RemovableChannelHandler, @unchecked Sendable {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    private let mirror: MirrorServer
    private let loop: EventLoop
    // The rest is touched on `loop` only.
    private var context: ChannelHandlerContext?
    private var id: Int?
    private var unsent = 0
    private var unsentBytes = 0
    private var closing = false

    init(mirror: MirrorServer, loop: EventLoop) {
        self.mirror = mirror
        self.loop = loop
    }

    /// From any thread.
    func send(_ message: ByteBuffer) { loop.execute { self.write(message) } }

    /// From any thread: a close frame (going away), then the connection closes.
    func goAway() { loop.execute { self.close(code: .goingAway) } }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        id = mirror.clients.add(self)
        write(ByteBuffer(string: mirror.state.snapshot().json))
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        leave()
        self.context = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        leave()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = Self.unwrapInboundIn(data)
        switch frame.opcode {
        case .connectionClose:
            // The page is going: answer with its own code (none if it gave none; 1002 for one
            // that may not be sent), then close.
            var data = frame.unmaskedData
            var reply = ByteBuffer()
            if let code = data.readInteger(as: UInt16.self) {
                if EventSocket.maySend(code) { reply.writeInteger(code) } else { reply.write(webSocketErrorCode: .protocolError) }
            } else if data.readableBytes > 0 {
                reply.write(webSocketErrorCode: .protocolError)  // one byte is not a code
            }
            finish(with: reply)
        case .ping:
            // Answered only while the page reads what it is sent (RFC 6455 lets a server answer
            // just the latest ping): a page that pings and never reads would grow the server's
            // memory without end.
            guard !closing, context.channel.isWritable else { break }
            context.writeAndFlush(Self.wrapOutboundOut(WebSocketFrame(fin: true, opcode: .pong, data: frame.unmaskedData)), promise: nil)
        default:
            break  // the page has nothing to say here; anything it sends is ignored
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }

    private func leave() {
        if let id { mirror.clients.remove(id) }
        id = nil
    }

    private func write(_ message: ByteBuffer) {
        guard let context, !closing else { return }
        let size = message.readableBytes
        guard unsent < MirrorServer.unsentLimit, unsentBytes + size <= MirrorServer.unsentByteLimit else {
            // The page stopped reading: drop it rather than buffer without end (it reconnects).
            closing = true
            leave()
            context.close(promise: nil)
            return
        }
        unsent += 1
        unsentBytes += size
        context.writeAndFlush(Self.wrapOutboundOut(WebSocketFrame(fin: true, opcode: .text, data: message))).whenComplete { _ in
            self.unsent -= 1
            self.unsentBytes -= size
        }
    }

    /// Close codes an endpoint may put in a close frame (RFC 6455 §7.4, and the IANA registry):
    /// 1004–1006 and 1015 are reserved, other codes below 3000 unassigned.
    static func maySend(_ code: UInt16) -> Bool {
        (1000...1003).contains(code) || (1007...1014).contains(code) || (3000...4999).contains(code)
    }

    private func close(code: WebSocketErrorCode) {
        var data = ByteBuffer()
        data.write(webSocketErrorCode: code)
        finish(with: data)
    }

    private func finish(with closeData: ByteBuffer) {
        guard let context, !closing else { return }
        closing = true
        leave()
        let frame = WebSocketFrame(fin: true, opcode: .connectionClose, data: closeData)
        // Closed once the frame is out (closing at once could drop it when the socket is full).
        context.writeAndFlush(Self.wrapOutboundOut(frame)).whenComplete { _ in context.close(promise: nil) }
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
