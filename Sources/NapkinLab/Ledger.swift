import Crypto
import Foundation

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

/// The mission journal: JSON Lines, one entry per action, appended, flushed and fsynced as it
/// happens. Each entry carries `prev`, the SHA-256 of the entry before it, and `hash`, the
/// SHA-256 of its own text without the hash, so an edited, reordered or deleted entry breaks
/// the chain (`napkin ledger verify`).
public final class Ledger {
    public static let genesis = String(repeating: "0", count: 64)

    public private(set) var entries: [LedgerEntry] = []
    let fd: Int32?
    public let path: String?

    /// An in-memory ledger (for `napkin check` and tests).
    public init() {
        fd = nil
        path = nil
    }

    /// Opens (creating it if needed) a ledger file for appending; existing entries are read
    /// and verified first so new entries continue the chain.
    public init(path: String) throws {
        self.path = path
        if FileManager.default.fileExists(atPath: path) {
            let text = try String(contentsOfFile: path, encoding: .utf8)
            let result = Ledger.verify(text: text)
            if let problem = result.problem { throw LedgerError.tampered(problem) }
            entries = result.entries
        }
        let f = open(path, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        if f < 0 { throw LedgerError.io("cannot open '\(path)' for writing: \(String(cString: strerror(errno)))") }
        fd = f
    }

    deinit { if let fd { close(fd) } }

    public var lastHash: String { entries.last?.hash ?? Ledger.genesis }

    /// Appends an entry and makes it durable before returning.
    @discardableResult
    public func append(_ type: String, _ fields: [String: String] = [:]) -> LedgerEntry {
        let seq = entries.count + 1
        let prev = lastHash
        var all = fields
        all["type"] = type
        all["time"] = all["time"] ?? ISO8601DateFormatter().string(from: Date())
        let body = Ledger.body(seq: seq, fields: all, prev: prev)
        let hash = Ledger.sha256(body)
        let line = String(body.dropLast()) + ",\"hash\":\"\(hash)\"}\n"
        if let fd {
            var bytes = Array(line.utf8)
            var off = 0
            while off < bytes.count {
                let n = bytes.withUnsafeMutableBytes { write(fd, $0.baseAddress! + off, $0.count - off) }
                if n < 0 { if errno == EINTR { continue }; break }
                off += n
            }
            fsync(fd)
        }
        let e = LedgerEntry(seq: seq, type: type, fields: all, prev: prev, hash: hash)
        entries.append(e)
        return e
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
        public var ok: Bool { problem == nil }
    }

    public static func verify(text: String) -> Verification {
        var lines = text.components(separatedBy: "\n")
        if lines.last == "" { lines.removeLast() }
        var entries: [LedgerEntry] = []
        var prev = genesis
        for (i, line) in lines.enumerated() {
            let n = i + 1
            guard let r = line.range(of: ",\"hash\":\"", options: .backwards), line.hasSuffix("\"}") else {
                return Verification(entries: entries, problem: "entry \(n) (line \(n)) is damaged: it has no hash")
            }
            let hash = String(line[r.upperBound...].dropLast(2))
            let body = String(line[..<r.lowerBound]) + "}"
            guard let data = line.data(using: .utf8),
                  let obj = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                  let seq = obj["seq"] as? Int, let p = obj["prev"] as? String, let type = obj["type"] as? String else {
                return Verification(entries: entries, problem: "entry \(n) (line \(n)) is not a valid ledger entry")
            }
            if sha256(body) != hash {
                return Verification(entries: entries, problem: "entry \(n) (line \(n), seq \(seq), \(type)) was edited: its content does not match its hash")
            }
            if seq != n {
                return Verification(entries: entries, problem: "entry \(n) (line \(n)) has seq \(seq): entries were deleted or reordered before it")
            }
            if p != prev {
                return Verification(entries: entries, problem: "entry \(n) (line \(n), \(type)) does not follow entry \(n - 1): the chain is broken (an entry was edited, deleted or reordered)")
            }
            var fields: [String: String] = [:]
            for (k, v) in obj where k != "seq" && k != "prev" && k != "hash" {
                if let s = v as? String { fields[k] = s }
            }
            entries.append(LedgerEntry(seq: seq, type: type, fields: fields, prev: p, hash: hash))
            prev = hash
        }
        return Verification(entries: entries, problem: nil)
    }

    public static func verify(path: String) throws -> Verification {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        return verify(text: text)
    }
}

public enum LedgerError: Error, CustomStringConvertible {
    case tampered(String)
    case io(String)
    public var description: String {
        switch self {
        case .tampered(let s): return "the ledger does not verify: \(s)"
        case .io(let s): return s
        }
    }
}
