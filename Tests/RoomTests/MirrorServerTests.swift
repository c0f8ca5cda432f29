import Foundation
@testable import NapkinServe
import TestSupport
import Testing

/// A raw HTTP/1.1 exchange over loopback: the request goes out byte for byte (no client
/// library tidies its path), the answer is read until the server closes or 5 s pass.
func http(_ port: UInt16, _ request: String) -> (status: Int, body: String) {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return (0, "no socket") }
    defer { close(fd) }
    var timeout = timeval(tv_sec: 5, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_port = port.bigEndian
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    let ok = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
    guard ok == 0 else { return (0, "cannot connect") }
    let bytes = Array(request.utf8)
    _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
    var data = [UInt8]()
    var buf = [UInt8](repeating: 0, count: 65536)
    let deadline = Date().addingTimeInterval(5)
    while Date() < deadline {
        let n = recv(fd, &buf, buf.count, 0)
        if n <= 0 { break }
        data += buf[0..<n]
        // One response is enough: stop once its body (Content-Length) is in.
        let text = String(decoding: data, as: UTF8.self)
        if text.hasPrefix("HTTP/1.1 101"), text.contains("\r\n\r\n") { break }  // a WebSocket stays open
        if let head = text.range(of: "\r\n\r\n"), let cl = text.range(of: "Content-Length: ", options: .caseInsensitive),
           let len = Int(text[cl.upperBound...].prefix { $0.isNumber }), data.count >= text.utf8.distance(from: text.startIndex, to: head.upperBound) + len { break }
    }
    let text = String(decoding: data, as: UTF8.self)
    let status = Int(text.split(separator: " ").dropFirst().first ?? "") ?? 0
    let body = text.range(of: "\r\n\r\n").map { String(text[$0.upperBound...]) } ?? ""
    return (status, body)
}

func get(_ port: UInt16, _ path: String, headers: [String] = []) -> (status: Int, body: String) {
    http(port, "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\n" + headers.map { $0 + "\r\n" }.joined() + "Connection: close\r\n\r\n")
}

func post(_ port: UInt16, _ body: String, token: String?, headers: [String] = []) -> (status: Int, body: String) {
    var head = "POST /move HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n"
    if let token { head += "X-Napkin-Token: \(token)\r\n" }
    for h in headers { head += h + "\r\n" }
    return http(port, head + "Connection: close\r\n\r\n" + body)
}

/// The listening sockets on `port` from the kernel's own table: (address, port) in hex.
func listeners(_ port: UInt16) -> [String] {
    let hexPort = String(format: "%04X", port)
    var found: [String] = []
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
        guard let text = try? String(contentsOfFile: table, encoding: .utf8) else { continue }
        for line in text.split(separator: "\n").dropFirst() {
            let cols = line.split(separator: " ")
            guard cols.count > 3, cols[3] == "0A", cols[1].hasSuffix(":" + hexPort) else { continue }
            found.append(String(cols[1].dropLast(5)))
        }
    }
    return found
}

/// The mirror checked on the wire, against the real binary (`napkin --serve 0` on a pseudo-
/// terminal), so the server runs in its own process as it does in a lecture; this process only
/// talks to it over loopback.
@Suite("Browser mirror: what it serves and to whom", .serialized)
struct MirrorServerTests {
    final class Served {
        let p: PTYProcess
        let dir: URL
        let port: UInt16
        let token: String

        init(_ extra: [String] = []) throws {
            dir = FileManager.default.temporaryDirectory.appendingPathComponent("napkin-serve-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            p = try PTYProcess(arguments: ["--serve", "0"] + extra,
                               environment: ["NAPKIN_HISTORY": dir.appendingPathComponent("h").path, "HOME": dir.path])
            guard p.expect("#token="), let r = p.text.range(of: #":(\d+)/#token=([0-9a-f]{32})"#, options: .regularExpression) else {
                throw Chromium.Failure(description: "napkin printed no address: \(p.tail)")
            }
            let s = String(p.text[r])
            port = UInt16(s.dropFirst().prefix { $0.isNumber })!
            token = String(s.suffix(32))
            guard p.expect("napkin> ") else { throw Chromium.Failure(description: "no prompt: \(p.tail)") }
            p.send("knob eta = 2 in 1...10 \"efficiency\"\r")
            guard p.expect("napkin> ") else { throw Chromium.Failure(description: "no prompt: \(p.tail)") }
        }

        deinit {
            p.close()
            try? FileManager.default.removeItem(at: dir)
        }
    }

    @Test func listensOnLoopbackOnlyByDefault() throws {
        let s = try Served()
        // The kernel's own table: one listener on this port, at 127.0.0.1 (0100007F), none on every address.
        #expect(listeners(s.port) == ["0100007F"], "\(listeners(s.port))")
        #expect(get(s.port, "/").status == 200)
    }

    @Test func refusesPeersAndNamesFromElsewhere() {
        // Behind the bind address, every request is checked too.
        #expect(!MirrorServer.admits(peer: "192.168.1.20", hostHeader: "127.0.0.1:8765", loopbackOnly: true))
        #expect(!MirrorServer.admits(peer: "10.0.0.5", hostHeader: nil, loopbackOnly: true))
        #expect(!MirrorServer.admits(peer: nil, hostHeader: nil, loopbackOnly: true))
        #expect(MirrorServer.admits(peer: "127.0.0.1", hostHeader: "127.0.0.1:8765", loopbackOnly: true))
        #expect(MirrorServer.admits(peer: "::ffff:127.0.0.1", hostHeader: "localhost:8765", loopbackOnly: true))
        #expect(MirrorServer.admits(peer: "::1", hostHeader: "[::1]:8765", loopbackOnly: true))
        // A site that points its own name at 127.0.0.1 (DNS rebinding) is refused by its Host header.
        #expect(!MirrorServer.admits(peer: "127.0.0.1", hostHeader: "evil.example:8765", loopbackOnly: true))
        // With --host, anyone may view (moves still need the token).
        #expect(MirrorServer.admits(peer: "192.168.1.20", hostHeader: "lecture-pc:8765", loopbackOnly: false))
        #expect(!MirrorServer.isLoopback("127.0.0.1.evil"))
        #expect(!MirrorServer.isLoopback("128.0.0.1"))
        #expect(MirrorServer.sameOrigin(nil, host: "127.0.0.1:8765"))
        #expect(MirrorServer.sameOrigin("http://127.0.0.1:8765", host: "127.0.0.1:8765"))
        #expect(!MirrorServer.sameOrigin("http://evil.example", host: "127.0.0.1:8765"))
        #expect(!MirrorServer.sameOrigin("http://127.0.0.1:8765.evil.example", host: "127.0.0.1:8765"))
    }

    @Test func rebindingHostHeaderIsRefusedOnTheWire() throws {
        let s = try Served()
        let r = http(s.port, "GET / HTTP/1.1\r\nHost: evil.example:\(s.port)\r\nConnection: close\r\n\r\n")
        #expect(r.status == 403)
        #expect(!r.body.contains("<html"))
    }

    @Test func servesOnlyItsOwnAssets() throws {
        let s = try Served()
        #expect(get(s.port, "/").body.contains("<title>napkin</title>"))
        #expect(get(s.port, "/app.js").body.contains("X-Napkin-Token"))
        #expect(get(s.port, "/style.css").status == 200)
        let attempts = ["/../../../../etc/passwd", "/%2e%2e/%2e%2e/%2e%2e/etc/passwd", "/app.js/../../../../etc/passwd",
                        "//etc/passwd", "/..%2f..%2f..%2fetc%2fpasswd", "/static/../Package.swift", "/%2e%2e%5c%2e%2e%5cetc%5cpasswd",
                        "/etc/passwd", "/Package.swift", "/.git/config", "/index.html%00.js", "/app.js%2f..%2f..%2fPackage.swift",
                        "/" + repositoryRoot.appendingPathComponent("Package.swift").path]
        for path in attempts {
            let r = get(s.port, path)
            #expect(r.status == 404 || r.status == 400, "\(path) → \(r.status)")
            #expect(!r.body.contains("root:x:0:0") && !r.body.contains("PackageDescription") && !r.body.contains("[core]"), "\(path) leaked a file")
        }
    }

    @Test func movesNeedTheToken() throws {
        let s = try Served()
        let body = #"{"name": "eta", "value": 4.5}"#
        #expect(post(s.port, body, token: nil).status == 403)
        #expect(post(s.port, body, token: String(s.token.dropLast()) + "X").status == 403)
        #expect(post(s.port, body, token: String(s.token.prefix(8))).status == 403)
        // Another site's page holding the token still cannot move a knob (its Origin is not this page's).
        #expect(post(s.port, body, token: s.token, headers: ["Origin: http://evil.example"]).status == 403)
        s.p.send("eta\r")
        #expect(s.p.expect("eta\n2\n"), "refused moves never reach the session: \(s.p.tail)")
        #expect(!s.p.text.contains("moved on the page"))
        #expect(post(s.port, body, token: s.token, headers: ["Origin: http://127.0.0.1:\(s.port)"]).status == 202)
        #expect(s.p.expect("eta = 4.5   ← moved on the page"), "\(s.p.tail)")
    }

    @Test func movesAreCheckedBeforeTheyQueue() throws {
        let knobs = [KnobView(name: "eta", value: 2, low: 1, high: 10, display: "2"),
                     KnobView(name: "fmt", kind: .choice, display: "json", choices: ["csv", "json", "parquet"], selected: "json"),
                     KnobView(name: "hw", kind: .toggle, display: "baseline", choices: ["baseline", "green"], selected: "baseline")]
        func check(_ body: String, token: String? = "t0k3n") -> Result<KnobMove, MirrorServer.Refusal> {
            MirrorServer.check(token: token, expected: "t0k3n", body: Data(body.utf8)) { n in knobs.first { $0.name == n } }
        }
        func status(_ r: Result<KnobMove, MirrorServer.Refusal>) -> Int { if case .failure(let f) = r { return f.status } else { return 202 } }
        #expect(try check(#"{"name": "eta", "value": 4.5}"#).get() == KnobMove(name: "eta", setting: .number(4.5)))
        #expect(try check(#"{"name": "fmt", "choice": "parquet"}"#).get() == KnobMove(name: "fmt", setting: .choice("parquet")))
        #expect(try check(#"{"name": "hw", "choice": "green"}"#).get() == KnobMove(name: "hw", setting: .choice("green")))
        #expect(status(check(#"{"name": "eta", "value": 4.5}"#, token: nil)) == 403)
        #expect(status(check(#"{"name": "eta", "value": 4.5}"#, token: "t0k3")) == 403)
        #expect(status(check(#"{"name": "nope", "value": 1}"#)) == 404)
        #expect(status(check(#"{"name": "eta = 3; print(1)", "value": 1}"#)) == 404)
        #expect(status(check(#"{"name": "eta", "choice": "x"}"#)) == 400)
        #expect(status(check(#"{"name": "fmt", "choice": "parquet; reset()"}"#)) == 400)
        #expect(status(check(#"{"name": "hw", "choice": "true"}"#)) == 400)
        #expect(status(check(#"{"name": "fmt", "value": 1}"#)) == 400)
        #expect(status(check("not json")) == 400)
        #expect(status(check(#"{"name": "eta", "value": 1}"# + String(repeating: " ", count: 5000))) == 400)
    }

    @Test func eventSocketOnlyForItsOwnPage() throws {
        let s = try Served()
        let handshake = ["Upgrade: websocket", "Connection: Upgrade", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version: 13"]
        let head = "GET /events HTTP/1.1\r\nHost: 127.0.0.1:\(s.port)\r\n" + handshake.map { $0 + "\r\n" }.joined()
        #expect(http(s.port, head + "Origin: http://evil.example\r\n\r\n").status == 403)
        #expect(http(s.port, head + "Origin: http://127.0.0.1:\(s.port)\r\n\r\n").status == 101)
    }

    @Test func viewersOnASharedAddressSeeButCannotMove() throws {
        // --host 0.0.0.0: the kernel listens on every address; this test talks over loopback only.
        let s = try Served(["--host", "0.0.0.0"])
        #expect(listeners(s.port) == ["00000000"])
        #expect(s.p.text.contains("anyone who can reach this machine may view"))
        #expect(get(s.port, "/state").body.contains("\"name\":\"eta\""))
        #expect(post(s.port, #"{"name": "eta", "value": 3}"#, token: nil).status == 403)
    }

    @Test func stateSnapshotHasEntriesAndKnobs() throws {
        let s = try Served()
        s.p.send("1 TB / 10 Gbit/s\r")
        #expect(s.p.expect("napkin> "))
        let body = get(s.port, "/state").body
        let json = try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
        let last = (json["entries"] as? [[String: Any]])?.last
        #expect(last?["input"] as? String == "1 TB / 10 Gbit/s")
        #expect((last?["readout"] as? [String: Any])?["number"] as? String == "13.33")
        #expect((json["knobs"] as? [[String: Any]])?.contains { $0["name"] as? String == "eta" } == true)
    }

    @Test("the page shows script-written text (knob descriptions and options, printed text) with control characters made visible")
    func scriptTextReachesThePageMadeVisible() throws {
        let s = try Served()
        let c = "\u{1B}]0;pwned\u{7}\u{1B}[2J\u{1B}[31m\r\u{0}\u{9B}"
        let file = s.dir.appendingPathComponent("defs.lab")
        try Data("""
        knob tier = "lo\(c)w" in record(["lo\(c)w", "high"], [1, 2]) "tiers\(c) of service"
        print("said\(c)")
        "shown\(c)"
        """.utf8).write(to: file)
        s.p.send(":load \(file.path)\r")
        #expect(s.p.expect("napkin> "))
        let body = get(s.port, "/state").body
        #expect(body.contains("tiers"), "\(body)")
        // Decoded, so an escaped \u001b in the JSON counts as the character it stands for.
        var strings: [String] = []
        func collect(_ v: Any) {
            if let t = v as? String { strings.append(t) }
            if let a = v as? [Any] { a.forEach(collect) }
            if let d = v as? [String: Any] { d.values.forEach(collect) }
        }
        collect(try JSONSerialization.jsonObject(with: Data(body.utf8)))
        let raw = strings.filter { $0.unicodeScalars.contains { u in (u.value < 0x20 && u != "\n" && u != "\t") || (0x7F...0x9F).contains(u.value) } }
        #expect(raw.isEmpty, "raw control characters on the page: \(raw.map(\.debugDescription))")
        #expect(strings.contains { $0.contains("tiers␛]0;pwned␇") }, "\(strings)")
    }

    @Test func aTakenPortIsAClearError() throws {
        let s = try Served()
        let second = try PTYProcess(arguments: ["--serve", "\(s.port)"], environment: ["NAPKIN_HISTORY": s.dir.appendingPathComponent("h2").path])
        defer { second.close() }
        #expect(second.expect("cannot listen on 127.0.0.1 port \(s.port)"), "\(second.tail)")
        #expect(second.waitExit() == 64)
        let bad = try PTYProcess(arguments: ["--serve", "0", "--host", "not-an-address"], environment: ["NAPKIN_HISTORY": s.dir.appendingPathComponent("h3").path])
        defer { bad.close() }
        #expect(bad.expect("give an IP address"), "\(bad.tail)")
    }
}
