import Foundation
import TestSupport
import NapkinCore
import NapkinLibrary
import Testing



/// What a run of the real binary did.
struct Run: CustomStringConvertible {
    var out: String
    var err: String
    var code: Int32
    /// Killed by a signal (the shell's exec hands the signal through to Process).
    var signalled = false

    /// A Swift runtime trap, a signal or a sanitizer report: never acceptable.
    var crashed: Bool {
        // 124/137: killed by `timeout` (a hang); 128+n: killed by signal n.
        if signalled || code == 124 || code > 128 { return true }
        return ["Fatal error", "Program crashed", "Segmentation fault", "Backtracing", "Illegal instruction",
                "AddressSanitizer", "Stack dump"].contains { err.contains($0) }
    }

    var description: String {
        "exit \(code)\n--- stdout (\(out.utf8.count) bytes):\n\(out.prefix(800))\n--- stderr:\n\(err.prefix(1500))"
    }
}

/// Runs `napkin` under /bin/sh with a virtual-memory cap (`ulimit -v`, KiB) and a wall-clock
/// limit (`timeout -s KILL`), as a hostile input would be run by a careful student.
/// `shell` runs first in the same shell (e.g. `ulimit -f 8` for a full disk).
func napkin(_ args: [String], stdin: Data = Data(), memoryKiB: Int = 3_000_000, seconds: Int = 60,
            binary: String = "napkin", directory: URL? = nil, shell: String = "") throws -> Run {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/bin/sh")
    let path = productsDirectory.appendingPathComponent(binary).path
    p.arguments = ["-c", "\(shell)\nulimit -v \(memoryKiB); exec timeout -s KILL \(seconds) \"$0\" \"$@\"", path] + args
    var env = ProcessInfo.processInfo.environment
    env["NO_COLOR"] = "1"
    // Ledger witnesses (see Ledger.swift) go to a folder of this test run, not the user's.
    if env["NAPKIN_STATE_DIR"] == nil { env["NAPKIN_STATE_DIR"] = testStateDirectory }
    p.environment = env
    if let directory { p.currentDirectoryURL = directory }
    let out = Pipe(), err = Pipe(), input = Pipe()
    p.standardOutput = out
    p.standardError = err
    p.standardInput = input
    try p.run()
    // Read both pipes concurrently so a large output cannot block the child.
    let group = DispatchGroup()
    final class Box: @unchecked Sendable { var data = Data() }
    let o = Box(), e = Box()
    DispatchQueue.global().async(group: group) { o.data = out.fileHandleForReading.readDataToEndOfFile() }
    DispatchQueue.global().async(group: group) { e.data = err.fileHandleForReading.readDataToEndOfFile() }
    input.fileHandleForWriting.write(stdin)
    try input.fileHandleForWriting.close()
    group.wait()
    p.waitUntilExit()
    return Run(out: String(decoding: o.data, as: UTF8.self), err: String(decoding: e.data, as: UTF8.self), code: p.terminationStatus,
               signalled: p.terminationReason == .uncaughtSignal)
}

/// A fresh scratch folder under the system temporary directory.
func scratchDirectory(_ name: String) throws -> URL {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("napkin-robust-\(getpid())-\(name)-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir
}

/// Writes `data` to a file in a scratch folder and returns its path.
func hostileFile(_ name: String, _ data: Data) throws -> String {
    let file = try scratchDirectory("file").appendingPathComponent(name)
    try data.write(to: file)
    return file.path
}

func hostileFile(_ name: String, _ text: String) throws -> String { try hostileFile(name, Data(text.utf8)) }

/// Every file below a folder (relative paths), to prove nothing was written elsewhere.
func filesBelow(_ dir: URL) -> Set<String> {
    Set((try? FileManager.default.subpathsOfDirectory(atPath: dir.path)) ?? [])
}

/// A prelude session loaded once; each `freshSession()` starts from its snapshot.
final class PreludeBase: @unchecked Sendable {
    static let shared = PreludeBase()
    let interpreter: Interpreter
    let snapshot: Interpreter.Snapshot
    let names: UnitNames
    let lock = NSLock()

    private init() {
        let session = Session.onLargeStack { try! Prelude.makeSession() }
        interpreter = session.interpreter
        snapshot = interpreter.snapshot()
        names = session.unitNames.copy()
    }

    /// Runs `body` with a session that has the prelude loaded and nothing else, on a large stack.
    func withSession<T>(_ body: @escaping (Session) -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        interpreter.restore(snapshot)
        interpreter.restore(interpreter.snapshot())   // adopt a copy of the unit registry
        interpreter.cancel.clear()
        var limits = Limits()
        limits.maxCallDepth = 200
        limits.maxSweepPoints = 1_000
        limits.maxListLength = 1_000
        limits.maxStringLength = 100_000
        interpreter.limits = limits
        interpreter.emit = { _ in }
        let session = Session(interpreter: interpreter, unitNames: names.copy())
        return Session.onLargeStack { body(session) }
    }
}

/// Where this test run's napkin processes keep their ledger witnesses.
let testStateDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("napkin-robust-state-\(getpid())").path
