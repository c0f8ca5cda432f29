import Foundation

/// Scripted answers for `napkin check --answers` and `napkin run --answers`:
///
///     # a comment
///     track: cloud_titan          the track, unless the command line names one
///     tenx: less                  a lock or a reflection: ID: ANSWER
///     roofline> efficiency = 4    a workbench line (napkin or a :command) for part ID
///     [edge_guardian]             what follows applies to that track only ([all] ends it)
///
/// A track's own answers and workbench lines replace the shared ones.
public struct Answers {
    public var track: String?
    var shared: [String: String] = [:]
    var perTrack: [String: [String: String]] = [:]
    var sharedLines: [String: [String]] = [:]
    var trackLines: [String: [String: [String]]] = [:]
    /// Every ID named, with its line, to report names the mission does not have.
    public private(set) var ids: [(id: String, line: Int)] = []

    public init() {}

    public init(text: String) throws {
        var section: String?
        for (i, raw) in sourceLines(text).enumerated() {
            let n = i + 1
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("["), line.hasSuffix("]") {
                let s = String(line.dropFirst().dropLast()).trimmingCharacters(in: .whitespaces)
                section = (s == "all" || s == "*" || s.isEmpty) ? nil : s
                continue
            }
            let colon = line.firstIndex(of: ":"), gt = line.firstIndex(of: ">")
            if let gt, colon.map({ gt < $0 }) ?? true {
                let part = String(line[..<gt]).trimmingCharacters(in: .whitespaces)
                let body = String(line[line.index(after: gt)...]).trimmingCharacters(in: .whitespaces)
                guard Answers.isName(part) else { throw AnswersError(line: n, message: "expected PART> LINE, found '\(line)'") }
                if let section { trackLines[section, default: [:]][part, default: []].append(body) } else { sharedLines[part, default: []].append(body) }
                continue
            }
            guard let colon else { throw AnswersError(line: n, message: "expected ID: ANSWER or PART> LINE, found '\(line)'") }
            let key = String(line[..<colon]).trimmingCharacters(in: .whitespaces)
            let value = String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces)
            guard Answers.isName(key) else { throw AnswersError(line: n, message: "'\(key)' is not a lock, reflection or part name") }
            if key == "track", section == nil { track = value; continue }
            ids.append((key, n))
            if let section { perTrack[section, default: [:]][key] = value } else { shared[key] = value }
        }
    }

    static func isName(_ s: String) -> Bool {
        guard let f = s.unicodeScalars.first, CharacterSet.letters.contains(f) || f == "_" else { return false }
        return s.unicodeScalars.allSatisfy { CharacterSet.alphanumerics.contains($0) || $0 == "_" || $0 == "." }
    }

    public func answer(_ id: String, track: String) -> String? { perTrack[track]?[id] ?? shared[id] }

    public func workbenchLines(part: String, track: String) -> [String]? { trackLines[track]?[part] ?? sharedLines[part] }

    public var partNames: [String] { Array(Set(sharedLines.keys).union(trackLines.values.flatMap(\.keys))) }
}

public struct AnswersError: Error, CustomStringConvertible {
    public var line: Int
    public var message: String
    public var description: String { "answers file, line \(line): \(message)" }
}
