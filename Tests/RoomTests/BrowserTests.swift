import Foundation
import TestSupport
import Testing

/// Headless Chromium driven over its DevTools protocol on a pipe (`--remote-debugging-pipe`:
/// commands on fd 3, answers on fd 4, NUL-separated JSON), so no debugging port is opened.
/// Every read has a deadline and `close()` kills the browser.
final class Chromium {
    let pid: pid_t
    private let toBrowser: Int32
    private let fromBrowser: Int32
    private var buffer: [UInt8] = []
    private var nextID = 0
    private var session: String?
    let profile: URL

    static var executable: String? {
        let env = ProcessInfo.processInfo.environment["NAPKIN_CHROMIUM"]
        for p in [env, "/usr/bin/chromium", "/usr/bin/chromium-browser"].compactMap({ $0 }) where FileManager.default.isExecutableFile(atPath: p) {
            return p
        }
        return nil
    }

    init(executable: String, width: Int, height: Int) throws {
        profile = FileManager.default.temporaryDirectory.appendingPathComponent("napkin-chromium-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: profile, withIntermediateDirectories: true)
        var commands: [Int32] = [0, 0], answers: [Int32] = [0, 0]
        guard pipe(&commands) == 0, pipe(&answers) == 0 else { throw PTYError.forkFailed(errno) }
        // CI runs as root on 2 cores without a GPU: no sandbox, software rendering, fixed metrics.
        let args = [executable, "--headless", "--no-sandbox", "--disable-gpu", "--remote-debugging-pipe", "--no-first-run",
                    "--disable-extensions", "--disable-background-networking", "--disable-sync", "--mute-audio", "--hide-scrollbars",
                    "--force-device-scale-factor=1", "--force-color-profile=srgb", "--lang=en-US",
                    "--user-data-dir=\(profile.path)", "--window-size=\(width),\(height)", "about:blank"]
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, commands[0], 3)
        posix_spawn_file_actions_adddup2(&actions, answers[1], 4)
        let devnull = open("/dev/null", O_WRONLY)
        posix_spawn_file_actions_adddup2(&actions, devnull, 1)
        posix_spawn_file_actions_adddup2(&actions, devnull, 2)
        let argv: [UnsafeMutablePointer<CChar>?] = args.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var child: pid_t = 0
        let rc = posix_spawn(&child, executable, &actions, nil, argv, environ)
        Glibc.close(devnull)
        Glibc.close(commands[0])
        Glibc.close(answers[1])
        guard rc == 0 else { throw PTYError.forkFailed(rc) }
        pid = child
        toBrowser = commands[1]
        fromBrowser = answers[0]
        _ = fcntl(fromBrowser, F_SETFL, fcntl(fromBrowser, F_GETFL) | O_NONBLOCK)
    }

    deinit { close() }

    private var closed = false
    func close() {
        guard !closed else { return }
        closed = true
        kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        Glibc.close(toBrowser)
        Glibc.close(fromBrowser)
        try? FileManager.default.removeItem(at: profile)
    }

    struct Failure: Error, CustomStringConvertible { let description: String }

    /// Sends a command and waits (up to `timeout` s) for its answer's `result`.
    @discardableResult
    func call(_ method: String, _ params: [String: Any] = [:], timeout: Double = 20, toPage: Bool = true) throws -> [String: Any] {
        nextID += 1
        var message: [String: Any] = ["id": nextID, "method": method, "params": params]
        if toPage, let session { message["sessionId"] = session }
        var data = try JSONSerialization.data(withJSONObject: message)
        data.append(0)
        var bytes = [UInt8](data)
        while !bytes.isEmpty {
            let n = bytes.withUnsafeBytes { write(toBrowser, $0.baseAddress, $0.count) }
            guard n > 0 else { throw Failure(description: "the browser closed its pipe") }
            bytes.removeFirst(n)
        }
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            while let end = buffer.firstIndex(of: 0) {
                let one = Data(buffer[..<end])
                buffer.removeFirst(end + 1)
                guard let json = try JSONSerialization.jsonObject(with: one) as? [String: Any], json["id"] as? Int == nextID else { continue }
                if let error = json["error"] as? [String: Any] { throw Failure(description: "\(method): \(error)") }
                return json["result"] as? [String: Any] ?? [:]
            }
            var p = pollfd(fd: fromBrowser, events: Int16(POLLIN), revents: 0)
            _ = poll(&p, 1, 200)
            var chunk = [UInt8](repeating: 0, count: 1 << 16)
            let n = read(fromBrowser, &chunk, chunk.count)
            if n > 0 { buffer += chunk[0..<n] } else if n == 0 { throw Failure(description: "the browser exited") }
        }
        throw Failure(description: "\(method): no answer within \(timeout) s")
    }

    /// A new tab, attached: later commands go to it.
    func openPage(width: Int, height: Int) throws {
        let target = try call("Target.createTarget", ["url": "about:blank"], toPage: false)
        let attached = try call("Target.attachToTarget", ["targetId": target["targetId"] as? String ?? "", "flatten": true], toPage: false)
        session = attached["sessionId"] as? String
        try call("Emulation.setDeviceMetricsOverride", ["width": width, "height": height, "deviceScaleFactor": 1, "mobile": false])
    }

    /// The value of a JavaScript expression (promises awaited).
    func evaluate(_ expression: String) throws -> Any? {
        let r = try call("Runtime.evaluate", ["expression": expression, "returnByValue": true, "awaitPromise": true])
        if let e = r["exceptionDetails"] { throw Failure(description: "\(expression.prefix(80)): \(e)") }
        return (r["result"] as? [String: Any])?["value"]
    }

    /// Polls `expression` until it is true, for up to `timeout` seconds.
    func waitFor(_ expression: String, timeout: Double = 15) throws -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if try evaluate(expression) as? Bool == true { return true }
            Thread.sleep(forTimeInterval: 0.1)
        }
        return false
    }

    func key(_ key: String, code: String, keyCode: Int) throws {
        for type in ["keyDown", "keyUp"] {
            try call("Input.dispatchKeyEvent", ["type": type, "key": key, "code": code, "windowsVirtualKeyCode": keyCode])
        }
    }
}

/// The real-browser test: the page a lecturer projects, driven as the room would use it.
@Suite("Browser mirror in headless Chromium", .serialized, .timeLimit(.minutes(2)))
struct BrowserTests {
    static let goldenName = "mirror_1920x1080.png"

    @Test func thePageFollowsTheSessionAndMovesItsKnobs() throws {
        let exe = try #require(Chromium.executable, "headless Chromium is needed (scripts/setup installs the Debian package 'chromium')")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("napkin-browser-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let p = try PTYProcess(arguments: ["--serve", "0"], environment: ["NAPKIN_HISTORY": dir.appendingPathComponent("h").path, "HOME": dir.path])
        defer { p.close() }
        try #require(p.expect("#token="), "\(p.tail)")
        let found = try #require(p.text.range(of: #"http://127\.0\.0\.1:\d+/#token=[0-9a-f]{32}"#, options: .regularExpression))
        let url = String(p.text[found])
        try #require(p.expect("napkin> "))
        p.send("knob eta = 2 in 1...10 \"efficiency\"\r")
        try #require(p.expect("napkin> "))

        let browser = try Chromium(executable: exe, width: 1920, height: 1080)
        defer { browser.close() }
        try browser.openPage(width: 1920, height: 1080)
        try browser.call("Page.navigate", ["url": url])
        try #require(try browser.waitFor("document.body && document.body.dataset.state === 'live'"), "the page did not connect")
        try #require(try browser.waitFor("!!document.getElementById('knob-eta')"), "no slider for eta")

        // A line typed into the session appears in the page, with its readout.
        p.send("1 TB / 10 Gbit/s\r")
        try #require(p.expect("napkin> "))
        #expect(try browser.waitFor("document.getElementById('input').textContent === '1 TB / 10 Gbit/s' && document.getElementById('number').textContent === '13.33'"),
                "the typed line did not appear: \(String(describing: try? browser.evaluate("document.getElementById('stage').innerText")))")

        // A slider moved in the page (keyboard: End puts it at its maximum) moves the knob in the session.
        try browser.evaluate("document.getElementById('knob-eta').focus()")
        try browser.key("End", code: "End", keyCode: 35)
        #expect(p.expect("eta = 10   ← moved on the page"), "the session did not see the move: \(p.tail)")
        try #require(p.expect("napkin> "))
        p.send("eta\r")
        #expect(p.expect("10"), "\(p.tail)")
        try #require(p.expect("napkin> "))
        #expect(try browser.waitFor("document.body.dataset.knobs.includes('eta=10')"), "the page shows the knob's new value")

        // A figure: the same SVG as :svg writes, fitting a 1920×1080 projector without scrolling.
        p.send("plot(sweep x 1...10 < 100 W * x ^ (eta / 5) >, title: \"Power grows with eta\")\r")
        try #require(p.expect("napkin> "))
        #expect(try browser.waitFor("(() => { const i = document.querySelector('#figures img'); return !!i && i.complete && i.naturalWidth > 0 })()"))
        let fits = try browser.evaluate("""
            (() => { const i = document.querySelector('#figures img').getBoundingClientRect();
              return document.documentElement.scrollHeight <= innerHeight && document.documentElement.scrollWidth <= innerWidth
                && i.bottom <= innerHeight && i.right <= innerWidth && i.height > 400 })()
            """) as? Bool
        #expect(fits == true, "the figure does not fit the 1920×1080 page")

        // The screenshot against the golden image, compared pixel by pixel in the browser itself.
        Thread.sleep(forTimeInterval: 0.3)
        let shot = try browser.call("Page.captureScreenshot", ["format": "png"])
        let png = try #require(shot["data"] as? String)
        let golden = RoomGolden.folder.appendingPathComponent(Self.goldenName)
        if RoomGolden.updating {
            try Data(base64Encoded: png)?.write(to: golden)
            return
        }
        let expected = try #require(try? Data(contentsOf: golden), "missing \(Self.goldenName): NAPKIN_UPDATE_GOLDEN=1 swift test --filter BrowserTests")
        let diff = try browser.evaluate(Self.compare(png, expected.base64EncodedString())) as? [String: Any]
        let sameSize = diff?["sameSize"] as? Bool ?? false
        let fraction = diff?["fraction"] as? Double ?? 1
        #expect(sameSize, "the screenshot is \(diff?["size"] ?? "?")")
        // Text may be anti-aliased a little differently from one machine to another: 0.3% of pixels
        // may differ (another line of input in the same layout differs in about 1%).
        #expect(fraction < 0.003, "\(Int(fraction * 10000)) of 10000 pixels differ from \(Self.goldenName)")
        if fraction >= 0.003 {
            try? Data(base64Encoded: png)?.write(to: FileManager.default.temporaryDirectory.appendingPathComponent("napkin-mirror-actual.png"))
        }
    }

    /// JavaScript that decodes two PNGs and counts the pixels whose colour differs by more than 48 of 255.
    static func compare(_ a: String, _ b: String) -> String {
        """
        (async () => {
          const load = (b64) => new Promise((ok, fail) => { const i = new Image(); i.onload = () => ok(i); i.onerror = fail;
                                                          i.src = 'data:image/png;base64,' + b64; });
          const [x, y] = await Promise.all([load('\(a)'), load('\(b)')]);
          const size = x.width + 'x' + x.height;
          if (x.width !== y.width || x.height !== y.height) return { sameSize: false, size, fraction: 1 };
          const pixels = (img) => { const c = document.createElement('canvas'); c.width = img.width; c.height = img.height;
                                    const g = c.getContext('2d'); g.drawImage(img, 0, 0); return g.getImageData(0, 0, c.width, c.height).data; };
          const p = pixels(x), q = pixels(y);
          let differ = 0;
          for (let i = 0; i < p.length; i += 4) {
            if (Math.max(Math.abs(p[i] - q[i]), Math.abs(p[i + 1] - q[i + 1]), Math.abs(p[i + 2] - q[i + 2])) > 48) differ++;
          }
          return { sameSize: true, size, fraction: differ / (p.length / 4) };
        })()
        """
    }
}
