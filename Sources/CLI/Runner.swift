import ArgumentParser
import Foundation
import NapkinCore
import NapkinLibrary

/// Runs napkin source for the command line: results to stdout, errors to stderr, an exit code back.
struct Runner {
    let options: CommonOptions

    var colorErrors: Bool { useColor(fd: STDERR_FILENO) }

    func useColor(fd: Int32) -> Bool {
        if options.noColor { return false }
        let env = ProcessInfo.processInfo.environment
        if env["NO_COLOR"].map({ !$0.isEmpty }) ?? false { return false }
        if env["TERM"] == "dumb" { return false }
        return isatty(fd) == 1
    }

    func finish(_ code: Int32) throws {
        FileHandle.standardOutput.synchronizeFile()
        if code != 0 { throw ExitCode(code) }
    }

    func makeSession() -> Result<Session, NapkinError> {
        do {
            let session = try Prelude.makeSession()
            session.interpreter.digits = options.digits
            session.interpreter.limits = options.limits
            let out = OutputSink.shared
            session.interpreter.emit = { out.line($0) }
            session.onResult = { [unowned session] v in
                out.line((try? session.interpreter.describe(v)) ?? "?")
            }
            return .success(session)
        } catch {
            return .failure(error)
        }
    }

    func report(_ e: NapkinError) {
        OutputSink.shared.flush()
        FileHandle.standardError.write(e.render(color: colorErrors).data(using: .utf8)!)
    }

    func runSource(_ source: String, name: String) -> Int32 {
        Session.onLargeStack {
            switch makeSession() {
            case .failure(let e):
                report(e)
                return 70
            case .success(let session):
                do {
                    try session.run(source, name: name)
                    OutputSink.shared.flush()
                    return 0
                } catch let error as NapkinError {
                    report(error)
                    return error.phase.exitCode
                } catch {
                    return 70
                }
            }
        }
    }

    func runData(_ data: Data, name: String) -> Int32 {
        guard let text = String(data: data, encoding: .utf8) else {
            let bad = firstInvalidUTF8(data)
            FileHandle.standardError.write("error: \(name) is not UTF-8 text (invalid byte at offset \(bad))\n".data(using: .utf8)!)
            return 65
        }
        return runSource(text, name: name)
    }

    func runFile(_ path: String) -> Int32 {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir), !isDir.boolValue,
              let data = FileManager.default.contents(atPath: path) else {
            let why = FileManager.default.fileExists(atPath: path) ? "it is a directory or unreadable" : "no such file"
            FileHandle.standardError.write("error: cannot read '\(path)': \(why)\n".data(using: .utf8)!)
            return 64
        }
        return runData(data, name: path)
    }

    func firstInvalidUTF8(_ data: Data) -> Int {
        let bytes = [UInt8](data)
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            let n = b < 0x80 ? 1 : b >> 5 == 0b110 ? 2 : b >> 4 == 0b1110 ? 3 : b >> 3 == 0b11110 ? 4 : 0
            if n == 0 || i + n > bytes.count { return i }
            for k in 1..<n where bytes[i + k] >> 6 != 0b10 { return i }
            i += n
        }
        return i
    }

    /// A minimal line-by-line session for terminals. Each line is transactional.
    func interactive() -> Int32 {
        Session.onLargeStack {
            guard case .success(let session) = makeSession() else { return 70 }
            let color = useColor(fd: STDOUT_FILENO)
            let prompt = color ? "\u{1B}[1;36mnapkin>\u{1B}[0m " : "napkin> "
            print("napkin \(napkinVersion) — units-aware napkin math. :help for help, Ctrl-D to quit.")
            var pending = ""
            while true {
                print(pending.isEmpty ? prompt : "...     ", terminator: "")
                fflush(stdout)
                guard let line = readLine() else { print(); return 0 }
                let trimmed = line.trimmingCharacters(in: .whitespaces)
                if pending.isEmpty {
                    if trimmed == ":quit" || trimmed == ":q" { return 0 }
                    if trimmed == ":help" {
                        print("Type an expression (1 TB / 10 Gbit/s), 'let x = …', 'fn f(a) = …', 'knob k = 1 in 0...10'.\nConvert with '->'. :quit leaves.")
                        continue
                    }
                }
                pending += (pending.isEmpty ? "" : "\n") + line
                do {
                    try session.run(pending, name: "<repl>", transactional: true)
                    OutputSink.shared.flush()
                    pending = ""
                } catch let error as NapkinError {
                    if error.phase == .parse, error.message.hasSuffix("found end of input"), !trimmed.isEmpty {
                        continue  // an unfinished line: keep reading
                    }
                    report(error)
                    pending = ""
                } catch {
                    pending = ""
                }
            }
        }
    }
}

/// Buffers stdout so a million-line print stays fast, and flushes before errors.
final class OutputSink: @unchecked Sendable {
    static let shared = OutputSink()
    private var buffer = ""

    func line(_ s: String) {
        buffer += s
        buffer += "\n"
        if buffer.utf8.count > 1 << 16 { flush() }
    }

    func flush() {
        guard !buffer.isEmpty else { return }
        FileHandle.standardOutput.write(buffer.data(using: .utf8)!)
        buffer = ""
    }
}
