import Foundation
@testable import NapkinServe
import Testing

/// A TCP connection to the mirror that stays open: bytes out, bytes in with a deadline.
final class Wire {
    let fd: Int32
    private(set) var received: [UInt8] = []

    init?(_ port: UInt16) {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = port.bigEndian
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let ok = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard ok == 0 else { close(fd); return nil }
    }

    deinit { close(fd) }

    func send(_ bytes: [UInt8]) {
        var rest = bytes[...]
        while !rest.isEmpty {
            let n = rest.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return }
            rest = rest.dropFirst(n)
        }
    }

    func send(_ text: String) { send(Array(text.utf8)) }

    /// Reads until `enough` says so, the peer closes (true) or `seconds` pass.
    @discardableResult
    func read(for seconds: Double = 5, until enough: ([UInt8]) -> Bool = { _ in false }) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        var buf = [UInt8](repeating: 0, count: 65536)
        while !enough(received) {
            let left = deadline.timeIntervalSinceNow
            guard left > 0 else { return false }
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&p, 1, Int32(max(1, left * 1000))) > 0 else { continue }
            let n = recv(fd, &buf, buf.count, 0)
            if n <= 0 { return true }
            received += buf[0..<n]
        }
        return false
    }

    /// The HTTP head received so far, once complete, and what follows it.
    var head: String? {
        guard let end = received.firstRange(of: Array("\r\n\r\n".utf8)) else { return nil }
        return String(decoding: received[..<end.upperBound], as: UTF8.self)
    }

    func dropHead() {
        if let end = received.firstRange(of: Array("\r\n\r\n".utf8)) { received.removeFirst(end.upperBound) }
    }

    /// The first whole WebSocket frame from the server (unmasked), taken off what was received.
    func takeFrame() -> (opcode: UInt8, payload: [UInt8])? {
        guard received.count >= 2 else { return nil }
        var length = Int(received[1] & 0x7F), at = 2
        if length == 126 {
            guard received.count >= 4 else { return nil }
            length = Int(received[2]) << 8 | Int(received[3]); at = 4
        } else if length == 127 {
            guard received.count >= 10 else { return nil }
            length = received[2..<10].reduce(0) { $0 << 8 | Int($1) }; at = 10
        }
        guard received.count >= at + length else { return nil }
        let frame = (received[0] & 0x0F, Array(received[at..<(at + length)]))
        received.removeFirst(at + length)
        return frame
    }

    func nextFrame(for seconds: Double = 5) -> (opcode: UInt8, payload: [UInt8])? {
        if let f = takeFrame() { return f }
        read(for: seconds) { r in
            guard r.count >= 2 else { return false }
            let l = Int(r[1] & 0x7F)
            return l < 126 ? r.count >= 2 + l : r.count >= 4  // enough to try; takeFrame checks the rest
        }
        if let f = takeFrame() { return f }
        read(for: seconds) { _ in false }
        return takeFrame()
    }

    /// A client frame, masked as the protocol requires.
    func sendFrame(opcode: UInt8, _ payload: [UInt8]) {
        let mask: [UInt8] = [0x12, 0x34, 0x56, 0x78]
        precondition(payload.count < 126)
        send([0x80 | opcode, 0x80 | UInt8(payload.count)] + mask + payload.enumerated().map { $0.element ^ mask[$0.offset % 4] })
    }
}

/// The server itself, in this process (no session): the limits and the event socket's life.
@Suite("Browser mirror: limits and the event socket", .serialized)
struct MirrorServerLimitsTests {
    static let handshake = ["Upgrade: websocket", "Connection: Upgrade", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version: 13"]

    func served() throws -> MirrorServer {
        let m = try MirrorServer(port: 0, token: "t0k3n")
        m.publish(knobs: [KnobView(name: "eta", value: 2, low: 1, high: 10, display: "2")])
        return m
    }

    func openEvents(_ m: MirrorServer) throws -> Wire {
        let w = try #require(Wire(m.port))
        w.send("GET /events HTTP/1.1\r\nHost: 127.0.0.1:\(m.port)\r\nOrigin: http://127.0.0.1:\(m.port)\r\n"
               + Self.handshake.map { $0 + "\r\n" }.joined() + "\r\n")
        w.read { _ in w.head != nil }
        let head = try #require(w.head, "no answer to the handshake")
        #expect(head.hasPrefix("HTTP/1.1 101"), "\(head)")
        #expect(head.contains("s3pPLMBiTxaQ9kYGzzhZRbK+xOo="), "the accept key of RFC 6455's example: \(head)")
        w.dropHead()
        return w
    }

    func waitUntil(_ seconds: Double = 5, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            Thread.sleep(forTimeInterval: 0.01)
        }
        return condition()
    }

    @Test func aBodyOverTheLimitIsRefusedAndNotKept() throws {
        let m = try served()
        defer { m.stop() }
        let small = #"{"name": "eta", "value": 4.5}"#
        let over = small + String(repeating: " ", count: 5000)
        #expect(post(m.port, over, token: nil).status == 403, "the token is checked first, as before")
        let r = post(m.port, over, token: "t0k3n")
        #expect(r.status == 400 && r.body.contains("expected JSON like"), "\(r)")
        // A megabyte is read and dropped, not kept: the answer is the same.
        let huge = post(m.port, small + String(repeating: " ", count: 1 << 20), token: "t0k3n")
        #expect(huge.status == 400, "\(huge)")
        #expect(m.takeMoves().isEmpty)
        #expect(post(m.port, small, token: "t0k3n").status == 202)
        #expect(m.takeMoves() == [KnobMove(name: "eta", setting: .number(4.5))])
    }

    @Test func anOverlongHeadIsRefused() throws {
        let m = try served()
        defer { m.stop() }
        let r = http(m.port, "GET / HTTP/1.1\r\nHost: 127.0.0.1:\(m.port)\r\nX-Big: \(String(repeating: "a", count: 20_000))\r\nConnection: close\r\n\r\n")
        #expect(r.status == 400, "\(r)")
        #expect(get(m.port, "/").status == 200, "and the server goes on")
    }

    @Test func headersMethodsAndPlainRequestsAtEvents() throws {
        let m = try served()
        defer { m.stop() }
        let w = try #require(Wire(m.port))
        w.send("HEAD /app.js HTTP/1.1\r\nHost: 127.0.0.1:\(m.port)\r\nConnection: close\r\n\r\n")
        #expect(w.read { _ in false }, "the server closes after a Connection: close request")
        let head = try #require(w.head)
        #expect(head.hasPrefix("HTTP/1.1 200"))
        for h in ["Content-Type: text/javascript; charset=utf-8", "Cache-Control: no-store", "X-Content-Type-Options: nosniff",
                  "Content-Length: \(PageAssets.script.utf8.count)"] {
            #expect(head.contains(h + "\r\n"), "\(h) in \(head)")
        }
        w.dropHead()
        #expect(w.received.isEmpty, "HEAD has no body")
        let put = http(m.port, "PUT / HTTP/1.1\r\nHost: 127.0.0.1:\(m.port)\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        #expect(put.status == 405 && put.body == "method not allowed\n")
        #expect(get(m.port, "/nope") == (404, "not found\n"))
        #expect(get(m.port, "/events") == (400, "expected a WebSocket handshake\n"))
        // A handshake that is not version 13 is not one this server takes.
        let v8 = get(m.port, "/events", headers: ["Upgrade: websocket", "Connection: Upgrade", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version: 8"])
        #expect(v8.status == 400)
        // A handshake anywhere else is only a request for that path.
        #expect(get(m.port, "/", headers: Self.handshake).body.contains("<title>napkin</title>"))
        let state = get(m.port, "/state?x=1")
        #expect(state.status == 200 && state.body.contains("\"name\":\"eta\""))
        // Two requests on one kept-alive connection.
        let two = try #require(Wire(m.port))
        two.send("GET /style.css HTTP/1.1\r\nHost: 127.0.0.1:\(m.port)\r\n\r\nGET /nope HTTP/1.1\r\nHost: 127.0.0.1:\(m.port)\r\nConnection: close\r\n\r\n")
        two.read { _ in false }
        let text = String(decoding: two.received, as: UTF8.self)
        #expect(text.hasPrefix("HTTP/1.1 200") && text.contains("HTTP/1.1 404"), "\(text.prefix(200))")
    }

    @Test func eventsStartWithTheSnapshotThenFollowChanges() throws {
        let m = try served()
        defer { m.stop() }
        let w = try openEvents(m)
        let first = try #require(w.nextFrame(), "no snapshot")
        #expect(first.opcode == 1)
        #expect(String(decoding: first.payload, as: UTF8.self).hasPrefix(#"{"entries":[],"goals":[],"knobs":[{"#), "\(String(decoding: first.payload, as: UTF8.self))")
        #expect(String(decoding: first.payload, as: UTF8.self).contains(#""type":"snapshot""#))
        #expect(waitUntil { m.clients.count == 1 })
        m.publish(EntryView(kind: .input, input: "6 * 7", output: "42"))
        let entry = try #require(w.nextFrame(), "no entry")
        let json = String(decoding: entry.payload, as: UTF8.self)
        #expect(entry.opcode == 1 && json.contains(#""type":"entry""#) && json.contains(#""input":"6 * 7""#), "\(json)")
        // A ping is answered.
        w.sendFrame(opcode: 0x9, Array("hi".utf8))
        let pong = try #require(w.nextFrame())
        #expect(pong.opcode == 0xA && pong.payload == Array("hi".utf8))
    }

    @Test func aPageThatClosesItsSocketLeaves() throws {
        let m = try served()
        defer { m.stop() }
        let w = try openEvents(m)
        _ = try #require(w.nextFrame(), "no snapshot")
        #expect(waitUntil { m.clients.count == 1 })
        w.sendFrame(opcode: 0x8, [0x03, 0xE9])  // 1001: going away
        let close = try #require(w.nextFrame(), "no close frame back")
        #expect(close.opcode == 0x8 && close.payload == [0x03, 0xE9])
        #expect(w.read { _ in false }, "the server closes the connection")
        #expect(waitUntil { m.clients.count == 0 }, "the page is no longer a client")
        m.publish(EntryView(kind: .input, input: "1", output: "1"))  // to nobody
        // A page that just drops the connection leaves too.
        let v = try openEvents(m)
        _ = try #require(v.nextFrame())
        #expect(waitUntil { m.clients.count == 1 })
        shutdown(v.fd, Int32(SHUT_RDWR))
        #expect(waitUntil { m.clients.count == 0 })
    }

    @Test func pagesAndConnectionsAreCapped() throws {
        let m = try served()
        defer { m.stop() }
        // Pages up to the limit are served; one more is told why, and gets no event socket.
        var pages: [Wire] = []
        for _ in 0..<MirrorServer.pageLimit {
            let w = try openEvents(m)
            _ = try #require(w.nextFrame(), "no snapshot")
            pages.append(w)
        }
        #expect(waitUntil { m.clients.count == MirrorServer.pageLimit })
        let extra = try #require(Wire(m.port))
        extra.send("GET /events HTTP/1.1\r\nHost: 127.0.0.1:\(m.port)\r\nOrigin: http://127.0.0.1:\(m.port)\r\n"
                   + Self.handshake.map { $0 + "\r\n" }.joined() + "\r\n")
        extra.read { _ in extra.head != nil }
        #expect(extra.head?.hasPrefix("HTTP/1.1 503") == true, "\(extra.head ?? "no answer")")
        #expect(m.clients.count == MirrorServer.pageLimit)
        // Connections beyond the limit are closed as soon as they open.
        var open = pages + [extra]
        while open.count < MirrorServer.connectionLimit {
            open.append(try #require(Wire(m.port)))
        }
        let refused = try #require(Wire(m.port))
        #expect(refused.read(for: 5) { _ in false }, "a connection past the limit is closed")
        // Closing some makes room again.
        pages.removeAll()
        open.removeAll()
        #expect(waitUntil { m.clients.count == 0 })
        #expect(get(m.port, "/state").status == 200)
    }

    @Test func aCloseIsAnsweredWithACodeThatMayBeSent() throws {
        let m = try served()
        defer { m.stop() }
        // (what the page sends, what comes back): its own code when it may be sent, none for
        // none, 1002 (protocol error) for a reserved code or a single byte.
        let cases: [([UInt8], [UInt8])] = [([0x03, 0xE8], [0x03, 0xE8]), ([0x0F, 0xA0], [0x0F, 0xA0]), ([], []),
                                           ([0x03, 0xED], [0x03, 0xEA]), ([0x03, 0xEE], [0x03, 0xEA]), ([0x03], [0x03, 0xEA])]
        for (sent, expected) in cases {
            let w = try openEvents(m)
            _ = try #require(w.nextFrame(), "no snapshot")
            w.sendFrame(opcode: 0x8, sent)
            let close = try #require(w.nextFrame(), "no close frame back for \(sent)")
            #expect(close.opcode == 0x8 && close.payload == expected, "sent \(sent), got \(close.payload)")
            #expect(w.read { _ in false }, "the server closes the connection")
        }
    }

    @Test func stopClosesEveryConnection() throws {
        let m = try served()
        let events = try openEvents(m)
        _ = try #require(events.nextFrame())
        let idle = try #require(Wire(m.port))
        idle.send("GET /state HTTP/1.1\r\nHost: 127.0.0.1:\(m.port)\r\n\r\n")  // kept alive
        idle.read(for: 2) { _ in idle.head != nil }
        #expect(idle.head?.hasPrefix("HTTP/1.1 200") == true)
        let port = m.port
        m.stop()
        let close = try #require(events.nextFrame(), "the page is told")
        #expect(close.opcode == 0x8 && close.payload == [0x03, 0xE9], "1001: going away")
        #expect(events.read(for: 3) { _ in false }, "the event socket is closed")
        #expect(idle.read(for: 3) { _ in false }, "the kept-alive connection is closed")
        #expect(Wire(port) == nil, "nothing listens any more")
        m.stop()  // twice is harmless
    }

    @Test func addressesThatCannotBeUsedAreClearErrors() throws {
        let m = try served()
        defer { m.stop() }
        #expect(throws: MirrorServer.Failure.self) { try MirrorServer(port: m.port) }
        do {
            _ = try MirrorServer(port: m.port)
        } catch let f as MirrorServer.Failure {
            #expect(f.description == "cannot listen on 127.0.0.1 port \(m.port): Address already in use", "\(f)")
        }
        do {
            _ = try MirrorServer(host: "localhost")
            Issue.record("a name is not an address")
        } catch let f as MirrorServer.Failure {
            #expect(f.description == "cannot listen on 'localhost': give an IP address such as 127.0.0.1 or 0.0.0.0")
        }
        // IPv6 loopback, where the machine has it.
        guard (try? String(contentsOfFile: "/proc/net/if_inet6", encoding: .utf8))?.contains("00000000000000000000000000000001") == true else { return }
        let v6 = try MirrorServer(host: "::1", port: 0)
        defer { v6.stop() }
        #expect(v6.port != 0 && v6.url.hasPrefix("http://[::1]:\(v6.port)/#token="))
    }
}
