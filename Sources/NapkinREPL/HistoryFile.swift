import Foundation
import NapkinCore

/// The REPL's history on disk: one line per entry, appended after every line so a crash
/// loses nothing, capped at `capacity` entries, blank and repeated lines skipped. Several
/// REPLs may share the file: appends and the trim take an advisory lock (flock), and the trim
/// keeps the newest lines *of the file* (every session's), not only this session's.
public final class HistoryFile {
    public static let capacity = 5000
    public let path: String
    public private(set) var entries: [String] = []
    /// Lines in the file, which may run a little past `capacity` before it is rewritten.
    var linesOnDisk = 0

    /// `$NAPKIN_HISTORY`, else `$XDG_DATA_HOME/napkin/history`, else `~/.local/share/napkin/history`.
    public static func defaultPath(environment env: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let p = env["NAPKIN_HISTORY"], !p.isEmpty { return p }
        if let d = env["XDG_DATA_HOME"], !d.isEmpty { return d + "/napkin/history" }
        let home = env["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return home + "/.local/share/napkin/history"
    }

    /// Why the file is not used (kept for this session only), when it is not.
    public private(set) var unusable: String?

    public init(path: String) {
        self.path = path
        // Only a regular file (or none yet): a pipe would block the session on its first line
        // (no reader), a device or folder is not a history.
        var st = stat()
        if stat(path, &st) == 0, (st.st_mode & S_IFMT) != S_IFREG {
            unusable = "the history file '\(path)' is not a regular file: history is kept for this session only"
            return
        }
        guard let data = FileManager.default.contents(atPath: path) else { return }
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
        linesOnDisk = lines.count
        entries = Array(lines.suffix(HistoryFile.capacity))
        if lines.count > HistoryFile.capacity { rewrite() }
    }

    /// Whether `line` would be recorded (not blank, not the same as the last entry).
    public func accepts(_ line: String) -> Bool {
        !line.trimmingCharacters(in: .whitespaces).isEmpty && line != entries.last && !line.contains("\n")
    }

    /// Records a line and appends it to the file at once. Returns false if it was skipped.
    @discardableResult
    public func add(_ line: String) -> Bool {
        guard accepts(line) else { return false }
        entries.append(line)
        if entries.count > HistoryFile.capacity { entries.removeFirst(entries.count - HistoryFile.capacity) }
        append(line)
        // Let the file grow by a tenth before trimming it back, so appends stay cheap.
        if linesOnDisk > HistoryFile.capacity + HistoryFile.capacity / 10 { rewrite() }
        return true
    }

    func ensureDirectory() {
        let dir = OutputFile.folder(of: path)
        if !dir.isEmpty { try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
    }

    /// Opens the history file locked against the other sessions. A trim replaces the file, so
    /// a lock taken on the old one is retried on the new one.
    func openLocked(_ flags: Int32) -> Int32? {
        for _ in 0..<10 {
            // Never waits to open (a path that turned into a pipe since `init`).
            let fd = open(path, flags | O_CLOEXEC | O_NONBLOCK, 0o600)
            guard fd >= 0 else { return nil }
            var opened = stat(), current = stat()
            if flock(fd, LOCK_EX) == 0, fstat(fd, &opened) == 0, stat(path, &current) == 0,
               opened.st_ino == current.st_ino, opened.st_dev == current.st_dev {
                return fd
            }
            close(fd)
        }
        return nil
    }

    func append(_ line: String) {
        guard unusable == nil else { return }
        ensureDirectory()
        guard let fd = openLocked(O_WRONLY | O_APPEND | O_CREAT) else { return }
        defer { close(fd) }
        let bytes = Array((line + "\n").utf8)
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        linesOnDisk += 1
    }

    /// Trims the file to its newest `capacity` lines, merging what other sessions appended.
    func rewrite() {
        guard unusable == nil else { return }
        ensureDirectory()
        guard let fd = openLocked(O_RDWR | O_CREAT) else { return }
        defer { close(fd) }
        var data = Data()
        var buf = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = read(fd, &buf, buf.count)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            data.append(contentsOf: buf[0..<n])
        }
        let onDisk = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
        let kept = Array(onDisk.suffix(HistoryFile.capacity))
        let text = kept.map { $0 + "\n" }.joined()
        let tmp = path + ".tmp\(getpid())"
        guard FileManager.default.createFile(atPath: tmp, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600]) else { return }
        // Renamed while the old file is still locked: a session waiting to append retries on the new one.
        if rename(tmp, path) == 0 { linesOnDisk = kept.count } else { unlink(tmp) }
    }
}
