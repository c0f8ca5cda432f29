import Crypto
import Foundation
import NapkinCore

/// One ledger entry: a JSON object on one line. Fields are strings (or the sequence number),
/// so the line's bytes are exactly what was hashed.
public struct LedgerEntry {
    public var seq: Int
    public var type: String
    public var fields: [String: String]
    public var prev: String
    public var hash: String

    public subscript(_ k: String) -> String? { fields[k] }
}

/// The mission journal: JSON Lines, one entry per action. Each entry carries `prev`, the
/// SHA-256 of the entry before it, and `hash`, the SHA-256 of its own text without the hash,
/// so an edited, reordered or deleted entry breaks the chain (`napkin ledger verify`).
///
/// Durability: an entry is written, then fsynced, before `commit` returns, and a failed write
/// or fsync is an error (the run stops; nothing is shown as locked that is not on disk). After
/// a failure nothing more is written, so the file never has a gap. One writer at a time: the
/// file is held with an advisory lock (flock) while it is open. A torn last line (a crash or a
/// full disk in the middle of a write) is removed when the ledger is opened again, keeping
/// every complete entry.
///
/// What the chain cannot do on a student's own machine is stop the student from rewriting the
/// whole file: anyone can recompute SHA-256. Receipts (`receipt(of:)`) are the outside witness:
/// short codes, derived from the chain head, that a class hands in as it goes.
public final class Ledger {
    public static let genesis = String(repeating: "0", count: 64)

    public private(set) var entries: [LedgerEntry] = []
    let fd: Int32?
    public let path: String?
    /// The first write that failed; once set, nothing more is written.
    public private(set) var failure: LedgerError?
    /// What opening the file repaired (a torn last entry removed, a missing final newline
    /// added), in words for the student.
    public private(set) var repairs: [String] = []

    /// An in-memory ledger (for `napkin check` and tests).
    public init() {
        fd = nil
        path = nil
    }

    /// Opens (creating it if needed) a ledger file for appending, holding it against other
    /// writers; existing entries are read and verified first so new entries continue the chain.
    /// A torn last line is cut off (and a complete last entry without its newline finished).
    public init(path: String) throws {
        self.path = path
        let existed = FileManager.default.fileExists(atPath: path)
        var st = stat()
        if existed, stat(path, &st) == 0, (st.st_mode & S_IFMT) != S_IFREG {
            throw LedgerError.io("'\(path)' is not a regular file")
        }
        let f = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        if f < 0 { throw LedgerError.io("cannot open '\(path)' for writing: \(String(cString: strerror(errno)))") }
        if flock(f, LOCK_EX | LOCK_NB) != 0 {
            let busy = errno == EWOULDBLOCK
            close(f)
            if busy {
                throw LedgerError.busy("the ledger '\(path)' is in use by another napkin run; finish (or stop) that run first: a ledger has one writer at a time")
            }
            throw LedgerError.io("cannot lock '\(path)': \(String(cString: strerror(errno)))")
        }
        fd = f
        do {
            let data = try Ledger.readAll(f)
            guard let text = String(data: data, encoding: .utf8) else {
                throw LedgerError.tampered("the file is not UTF-8 text")
            }
            var result = Ledger.verify(text: text)
            if let torn = result.tornTail {
                // Everything before the torn line verified: cut the torn line off.
                if ftruncate(f, off_t(torn)) != 0 || fsync(f) != 0 {
                    throw LedgerError.io("cannot repair '\(path)': \(String(cString: strerror(errno)))")
                }
                repairs.append("removed a torn last line (\(data.count - torn) bytes, an interrupted write); every complete entry is kept")
                result.problem = nil
            } else if result.ok, !data.isEmpty, data.last != UInt8(ascii: "\n") {
                try Ledger.writeAll(f, Array("\n".utf8))
                if fsync(f) != 0 { throw LedgerError.io("cannot write '\(path)': \(String(cString: strerror(errno)))") }
                repairs.append("finished the last entry's line (its newline was missing)")
            }
            if let problem = result.problem { throw LedgerError.tampered(problem) }
            entries = result.entries
            if let cut = LedgerWitness.check(entries) { throw LedgerError.tampered(cut) }
            if !existed { Ledger.syncDirectory(of: path) }
        } catch {
            close(f)
            throw error
        }
    }

    deinit { if let fd { close(fd) } }

    public var lastHash: String { entries.last?.hash ?? Ledger.genesis }

    /// Forgets how far this machine wrote the ledger starting with `start` (see LedgerWitness;
    /// for tests that simulate a run killed earlier than it was).
    public static func forgetWitness(ofLedgerStartingWith start: LedgerEntry) { unlink(LedgerWitness.path(start)) }

    /// Appends an entry, durably; a failed write is kept in `failure` (and nothing more is
    /// written) for the caller to check. Prefer `commit`, which throws.
    @discardableResult
    public func append(_ type: String, _ fields: [String: String] = [:]) -> LedgerEntry {
        do { return try commit(type, fields) } catch {
            return LedgerEntry(seq: entries.count + 1, type: type, fields: fields, prev: lastHash, hash: "")
        }
    }

    /// Appends an entry and makes it durable (written and fsynced) before returning; throws if
    /// it could not be, and after that refuses every later entry.
    @discardableResult
    public func commit(_ type: String, _ fields: [String: String] = [:]) throws(LedgerError) -> LedgerEntry {
        if let failure { throw failure }
        let seq = entries.count + 1
        let prev = lastHash
        var all = fields
        all["type"] = type
        all["time"] = all["time"] ?? ISO8601DateFormatter().string(from: Date())
        let body = Ledger.body(seq: seq, fields: all, prev: prev)
        let hash = Ledger.sha256(body)
        let line = String(body.dropLast()) + ",\"hash\":\"\(hash)\"}\n"
        if let fd {
            let before = lseek(fd, 0, SEEK_END)
            do {
                try Ledger.writeAll(fd, Array(line.utf8))
                if fsync(fd) != 0 { throw LedgerError.io(String(cString: strerror(errno))) }
            } catch {
                // Take back a partial line if possible (resume also repairs it).
                if before >= 0 { _ = ftruncate(fd, before) }
                let why = (error as? LedgerError).map(\.description) ?? "\(error)"
                let e = LedgerError.io("cannot write the ledger '\(path ?? "")': \(why). Entry \(seq) (\(type)) was not recorded, and nothing after it will be; free space, then continue with --resume")
                failure = e
                throw e
            }
        }
        let e = LedgerEntry(seq: seq, type: type, fields: all, prev: prev, hash: hash)
        entries.append(e)
        if fd != nil, let first = entries.first { LedgerWitness.record(e, ledgerStart: first) }
        return e
    }

    static func readAll(_ fd: Int32) throws(LedgerError) -> Data {
        var data = Data()
        var buf = [UInt8](repeating: 0, count: 1 << 16)
        var off: off_t = 0
        while true {
            let n = buf.withUnsafeMutableBytes { pread(fd, $0.baseAddress!, $0.count, off) }
            if n < 0 { if errno == EINTR { continue }; throw LedgerError.io("cannot read the ledger: \(String(cString: strerror(errno)))") }
            if n == 0 { return data }
            data.append(contentsOf: buf[0..<n])
            off += off_t(n)
        }
    }

    static func writeAll(_ fd: Int32, _ bytes: [UInt8]) throws(LedgerError) {
        var off = 0
        while off < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + off, $0.count - off) }
            if n < 0 {
                if errno == EINTR { continue }
                throw LedgerError.io(String(cString: strerror(errno)))
            }
            if n == 0 { throw LedgerError.io("no space left") }
            off += n
        }
    }

    /// Makes a new file's name durable too.
    static func syncDirectory(of path: String) {
        let dir = OutputFile.folder(of: path)
        let d = open(dir.isEmpty ? "." : dir, O_RDONLY | O_DIRECTORY)
        if d >= 0 { fsync(d); close(d) }
    }

    // MARK: Receipts

    /// Crockford's base32: no I, L, O or U, so a code read aloud or typed is unambiguous.
    static let receiptAlphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ")

    /// The receipt of an entry: the first 60 bits of its hash (the chain head once it is
    /// written) as 12 base32 characters, `XXXX-XXXX-XXXX`. A ledger rewritten from that entry
    /// on (another answer, a recomputed chain) no longer passes through the receipt.
    public static func receipt(of entry: LedgerEntry) -> String { receipt(hash: entry.hash) }

    public static func receipt(hash: String) -> String {
        var bits: UInt64 = 0
        for c in hash.prefix(15) { bits = bits << 4 | UInt64(c.hexDigitValue ?? 0) }
        var chars: [Character] = []
        for i in 0..<12 {
            if i > 0 && i % 4 == 0 { chars.append("-") }
            chars.append(receiptAlphabet[Int(bits >> UInt64(55 - 5 * i) & 31)])
        }
        return String(chars)
    }

    /// The receipt codes written in a text (a form's export, a poll, one per line): every
    /// `XXXX-XXXX-XXXX` (any case; O read as 0 and I, L as 1, as Crockford's base32 allows),
    /// normalised, with its line number and line. The dashes are part of a code, so a
    /// 12-letter word in the same text is not taken for one.
    public static func receipts(in text: String) -> [(code: String, line: Int, context: String)] {
        let pattern = try! NSRegularExpression(pattern: "(?<![0-9A-Z-])([0-9A-Z]{4})-([0-9A-Z]{4})-([0-9A-Z]{4})(?![0-9A-Z-])")
        var out: [(String, Int, String)] = []
        for (i, raw) in text.components(separatedBy: "\n").enumerated() {
            let line = raw.uppercased()
            let ns = line as NSString
            for m in pattern.matches(in: line, range: NSRange(location: 0, length: ns.length)) {
                let groups = (1...3).map { ns.substring(with: m.range(at: $0)) }
                let code = groups.map { g in
                    String(g.map { c -> Character in c == "O" ? "0" : (c == "I" || c == "L") ? "1" : c })
                }.joined(separator: "-")
                guard !code.contains("U") else { continue }
                out.append((code, i + 1, raw.trimmingCharacters(in: .whitespacesAndNewlines)))
            }
        }
        return out
    }

    /// The hashed text of an entry: keys sorted, `seq` first, `prev` last, no `hash`.
    static func body(seq: Int, fields: [String: String], prev: String) -> String {
        var s = "{\"seq\":\(seq)"
        for k in fields.keys.sorted() where k != "seq" && k != "prev" && k != "hash" {
            s += ",\(jsonString(k)):\(jsonString(fields[k]!))"
        }
        s += ",\"prev\":\"\(prev)\"}"
        return s
    }

    static func jsonString(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 { out += String(format: "\\u%04x", u.value) } else { out.unicodeScalars.append(u) }
            }
        }
        return out + "\""
    }

    static func sha256(_ s: String) -> String {
        SHA256.hash(data: Data(s.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    // MARK: Verify

    public struct Verification {
        public var entries: [LedgerEntry]
        /// The first problem found, naming the entry (1-based line number).
        public var problem: String?
        /// Where a torn last line starts (a write cut off by a crash or a full disk), when it is
        /// the only problem: `--resume` cuts the file there and keeps every entry before it.
        public var tornTail: Int?
        public var ok: Bool { problem == nil }
    }

    public static func verify(text: String) -> Verification {
        var lines = text.components(separatedBy: "\n")
        // A file written by napkin ends with a newline; a last line without one was being
        // written when the run stopped.
        let unfinished = lines.last ?? ""
        lines.removeLast()
        var entries: [LedgerEntry] = []
        var prev = genesis
        var offset = 0
        for (i, line) in (lines + (unfinished.isEmpty ? [] : [unfinished])).enumerated() {
            let n = i + 1
            let isUnfinished = !unfinished.isEmpty && i == lines.count
            if let problem = check(line, n, prev) {
                var v = Verification(entries: entries, problem: problem.text)
                if isUnfinished, case .damaged = problem.kind {
                    v.problem = "entry \(n) (the last line) is torn: its write was cut off (a crash or a full disk); `napkin run … --resume` removes it and keeps the \(entries.count) complete entr\(entries.count == 1 ? "y" : "ies") before it"
                    v.tornTail = offset
                }
                return v
            }
            let e = parse(line)!
            entries.append(e)
            prev = e.hash
            offset += line.utf8.count + 1
        }
        return Verification(entries: entries, problem: nil)
    }

    struct Problem: CustomStringConvertible {
        enum Kind { case damaged, edited, order }
        var kind: Kind
        var text: String
        var description: String { text }
    }

    /// The entry on one line, if it is shaped like one (not yet checked against the chain).
    static func parse(_ line: String) -> LedgerEntry? {
        guard let r = line.range(of: ",\"hash\":\"", options: .backwards), line.hasSuffix("\"}"),
              let data = line.data(using: .utf8),
              let obj = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let seq = obj["seq"] as? Int, let p = obj["prev"] as? String, let type = obj["type"] as? String else { return nil }
        let hash = String(line[r.upperBound...].dropLast(2))
        var fields: [String: String] = [:]
        for (k, v) in obj where k != "seq" && k != "prev" && k != "hash" {
            if let s = v as? String { fields[k] = s }
        }
        return LedgerEntry(seq: seq, type: type, fields: fields, prev: p, hash: hash)
    }

    /// What is wrong with line `n` as the entry after `prev`, if anything.
    static func check(_ line: String, _ n: Int, _ prev: String) -> Problem? {
        guard let r = line.range(of: ",\"hash\":\"", options: .backwards), line.hasSuffix("\"}") else {
            return Problem(kind: .damaged, text: "entry \(n) (line \(n)) is damaged: it has no hash")
        }
        guard let e = parse(line) else {
            return Problem(kind: .damaged, text: "entry \(n) (line \(n)) is not a valid ledger entry")
        }
        let body = String(line[..<r.lowerBound]) + "}"
        if sha256(body) != e.hash {
            return Problem(kind: .edited, text: "entry \(n) (line \(n), seq \(e.seq), \(e.type)) was edited: its content does not match its hash")
        }
        if e.seq != n {
            return Problem(kind: .order, text: "entry \(n) (line \(n)) has seq \(e.seq): entries were deleted or reordered before it")
        }
        if e.prev != prev {
            return Problem(kind: .order, text: "entry \(n) (line \(n), \(e.type)) does not follow entry \(n - 1): the chain is broken (an entry was edited, deleted or reordered)")
        }
        return nil
    }

    public static func verify(path: String) throws -> Verification {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        return verify(text: text)
    }
}

public enum LedgerError: Error, CustomStringConvertible {
    case tampered(String)
    case io(String)
    /// Another run holds the ledger.
    case busy(String)
    public var description: String {
        switch self {
        case .tampered(let s): return "the ledger does not verify: \(s)"
        case .io(let s), .busy(let s): return s
        }
    }
}

/// This machine's memory of every ledger it wrote: for each ledger (named by its first entry's
/// hash), the last entry written. Opening a ledger that ends before that entry, or differs at
/// it, is refused: a ledger cut after a lock (or an older copy) cannot be resumed to answer the
/// lock again. It lives outside the ledger (`$NAPKIN_STATE_DIR`, else
/// `$XDG_STATE_HOME/napkin/ledgers`, else `~/.local/state/napkin/ledgers`), so deleting the
/// ledger's tail is not enough — but it is on the student's machine too, so it stops an
/// accident or a casual attempt, not a determined one; receipts are the outside witness.
enum LedgerWitness {
    static var directory: String {
        let env = ProcessInfo.processInfo.environment
        if let d = env["NAPKIN_STATE_DIR"], !d.isEmpty { return d }
        if let d = env["XDG_STATE_HOME"], !d.isEmpty { return d + "/napkin/ledgers" }
        let home = env["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return home + "/.local/state/napkin/ledgers"
    }

    static func path(_ start: LedgerEntry) -> String { directory + "/" + String(start.hash.prefix(32)) }

    /// Remembers `e` as the last entry of the ledger that starts with `start` (best effort:
    /// a witness that cannot be written never stops a run).
    static func record(_ e: LedgerEntry, ledgerStart start: LedgerEntry) {
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let file = path(start)
        let tmp = file + ".tmp\(getpid())"
        guard FileManager.default.createFile(atPath: tmp, contents: Data("\(e.seq) \(e.hash)\n".utf8)) else { return }
        if rename(tmp, file) != 0 { unlink(tmp) }
    }

    /// Why `entries` cannot be the ledger this machine last wrote, if so.
    static func check(_ entries: [LedgerEntry]) -> String? {
        guard let start = entries.first, let data = FileManager.default.contents(atPath: path(start)) else { return nil }
        let parts = String(decoding: data, as: UTF8.self).split(whereSeparator: { $0 == " " || $0 == "\n" })
        guard parts.count >= 2, let seq = Int(parts[0]), seq >= 1 else { return nil }
        let hash = String(parts[1])
        if entries.count < seq {
            return "the ledger ends at entry \(entries.count), but napkin wrote \(seq) entries to it on this machine: it was cut (or this is an older copy), so it cannot be resumed; answers already locked stay locked"
        }
        if entries[seq - 1].hash != hash {
            return "entry \(seq) is not the one napkin wrote to this ledger on this machine: the ledger was rewritten, so it cannot be resumed"
        }
        return nil
    }
}
