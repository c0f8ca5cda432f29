import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The built `napkin` executable, found next to the test bundle (the products directory).
public func napkinBinary() -> String? {
    var dirs: [URL] = []
    if let env = ProcessInfo.processInfo.environment["NAPKIN_BIN"], !env.isEmpty { return env }
    let arg0 = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
    dirs.append(arg0.deletingLastPathComponent())
    dirs.append(Bundle.main.bundleURL)
    dirs.append(Bundle.main.bundleURL.deletingLastPathComponent())
    for b in Bundle.allBundles { dirs.append(b.bundleURL.deletingLastPathComponent()) }
    for d in dirs {
        let p = d.appendingPathComponent("napkin").path
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: p, isDirectory: &isDir), !isDir.boolValue,
           FileManager.default.isExecutableFile(atPath: p) { return p }
    }
    return nil
}

public enum PTYError: Error { case noBinary, forkFailed(Int32) }

/// A child process on a pseudo-terminal: type into it, read its screen output with timeouts.
/// Every wait has a deadline and `close()` kills the child, so a test never hangs.
public final class PTYProcess {
    public let pid: pid_t
    public let master: Int32
    public private(set) var raw: [UInt8] = []
    /// Where the next `expect` starts looking, in `text`.
    private var mark: String.Index?
    private(set) var exitStatus: Int32?

    public init(arguments: [String] = [], environment extra: [String: String] = [:], rows: UInt16 = 40, columns: UInt16 = 120) throws {
        guard let exe = napkinBinary() else { throw PTYError.noBinary }
        var env = ProcessInfo.processInfo.environment
        env["TERM"] = "xterm"
        env["LANG"] = "C.UTF-8"
        env["NO_COLOR"] = "1"
        // Ledger witnesses go to a folder of this test run, not the user's.
        env["NAPKIN_STATE_DIR"] = env["NAPKIN_STATE_DIR"] ?? NSTemporaryDirectory() + "napkin-test-state-\(getpid())"
        env.removeValue(forKey: "COLUMNS")
        env.removeValue(forKey: "LINES")
        for (k, v) in extra { env[k] = v }
        if extra["NO_COLOR"] == "" { env.removeValue(forKey: "NO_COLOR") }

        // Everything the child needs is made before fork: after it, only execve and _exit.
        let argv: [UnsafeMutablePointer<CChar>?] = ([exe] + arguments).map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var ws = winsize(ws_row: rows, ws_col: columns, ws_xpixel: 0, ws_ypixel: 0)
        var fd: Int32 = -1
        let pid = forkpty(&fd, nil, nil, &ws)
        if pid < 0 { throw PTYError.forkFailed(errno) }
        if pid == 0 {
            execve(argv[0]!, argv, envp)
            _exit(127)
        }
        self.pid = pid
        self.master = fd
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
    }

    deinit { close() }

    /// The output so far with ANSI escapes and carriage returns taken out.
    public var text: String { PTYProcess.clean(String(decoding: raw, as: UTF8.self)) }

    public static func clean(_ s: String) -> String {
        var out = String.UnicodeScalarView()
        var it = s.unicodeScalars.makeIterator()
        while let c = it.next() {
            if c == "\u{1B}" {
                guard let n = it.next() else { break }
                if n == "[" {  // CSI: parameters then a final byte in @...~
                    while let p = it.next(), !(0x40...0x7E).contains(p.value) {}
                } else if n == "]" {  // OSC: up to BEL
                    while let p = it.next(), p != "\u{7}" {}
                }
                continue
            }
            if c == "\r" || c == "\u{7}" || c == "\u{1}" { continue }
            if c == "\u{8}" { continue }
            out.append(c)
        }
        return String(out)
    }

    public func send(_ s: String) {
        var bytes = Array(s.utf8)
        while !bytes.isEmpty {
            let n = bytes.withUnsafeBytes { write(master, $0.baseAddress, $0.count) }
            if n > 0 { bytes.removeFirst(n) } else if errno != EAGAIN && errno != EINTR { return } else { usleep(1000) }
        }
    }

    /// Reads whatever is available within `timeout` seconds; false at end of output.
    @discardableResult
    public func pump(_ timeout: Double) -> Bool {
        var p = pollfd(fd: master, events: Int16(POLLIN), revents: 0)
        let r = poll(&p, 1, Int32(max(0, timeout) * 1000))
        guard r > 0 else { return true }
        var buf = [UInt8](repeating: 0, count: 4096)
        let n = read(master, &buf, buf.count)
        if n > 0 { raw += buf[0..<n]; return true }
        if n < 0 && (errno == EAGAIN || errno == EINTR) { return true }
        return false  // EIO: the child closed the terminal
    }

    /// Waits until `needle` appears after the previous match; moves past it. False on timeout.
    @discardableResult
    public func expect(_ needle: String, timeout: Double = 15) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let t = text
            let start = mark.map { min($0, t.endIndex) } ?? t.startIndex
            if let r = t.range(of: needle, range: start..<t.endIndex) {
                mark = r.upperBound
                return true
            }
            let left = deadline.timeIntervalSinceNow
            if left <= 0 { return false }
            if !pump(min(left, 0.2)) && text == t { return false }
        }
    }

    /// Output after the last match (for messages when a test fails).
    public var tail: String {
        let t = text
        return String(t[(mark.map { min($0, t.endIndex) } ?? t.startIndex)...].suffix(600))
    }

    /// Waits for the child to exit; its exit code, or nil on timeout or a signal.
    /// Sends a control key once the line editor has the terminal. libedit prints the prompt a
    /// moment before it switches the terminal to raw mode; a key typed in that moment reaches
    /// the cooked line discipline (a ^D there turns into a NUL), so wait briefly first. A person
    /// never types that fast; a test on a loaded machine does.
    public func sendKey(_ key: String) {
        Thread.sleep(forTimeInterval: 0.3)
        send(key)
    }

    /// Ctrl-D until the child exits (each press after the editor is ready), for up to `timeout`.
    public func endInput(timeout: Double = 15) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            sendKey("\u{4}")
            if let code = waitExit(timeout: min(3, max(0.1, deadline.timeIntervalSinceNow))) { return code }
            if exitStatus != nil { return nil }
        }
        return nil
    }

    public func waitExit(timeout: Double = 15) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            pump(0.05)
            var status: Int32 = 0
            let r = waitpid(pid, &status, WNOHANG)
            if r == pid {
                let code = (status & 0x7f) == 0 ? (status >> 8) & 0xff : -1
                exitStatus = code
                while pump(0.05), Date() < deadline {
                    var p = pollfd(fd: master, events: Int16(POLLIN), revents: 0)
                    if poll(&p, 1, 0) <= 0 { break }
                }
                return code == -1 ? nil : code
            }
        }
        return nil
    }

    private var closed = false

    public func close() {
        guard !closed else { return }
        closed = true
        if exitStatus == nil {
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == 0 {
                kill(pid, SIGKILL)
                waitpid(pid, &status, 0)
            }
        }
        Glibc.close(master)
    }
}
