import Foundation
import NapkinCore

/// Context-aware tab completion: `:commands`, file paths after `:load`/`:save`, record fields
/// after `.`, knob names after `sweep`, and otherwise names, keywords and units.
public struct Completer {
    let session: Session
    var fileManager = FileManager.default

    public init(session: Session) { self.session = session }

    static func isWordScalar(_ c: Unicode.Scalar) -> Bool {
        c == "_" || c.properties.isAlphabetic || ("0"..."9").contains(c) || c == "µ"
    }

    /// Completes `line`, the text before the cursor.
    public func complete(_ line: String) -> Completion {
        let trimmed = String(line.drop { $0 == " " || $0 == "\t" })
        if trimmed.hasPrefix(":") {
            guard let space = trimmed.firstIndex(of: " ") else {
                let names = Commands.all.map { ":" + $0.name }
                return Completion(word: trimmed, candidates: names.filter { $0.hasPrefix(trimmed) }, suffix: " ")
            }
            let command = Commands.find(String(trimmed[trimmed.index(after: trimmed.startIndex)..<space]))
            let arg = String(trimmed[space...].drop { $0 == " " })
            switch command?.argument {
            case .file?: return completePath(arg)
            case .topic?:
                let topics = Commands.helpTopics
                return Completion(word: arg, candidates: topics.filter { $0.hasPrefix(arg) }.sorted())
            case .category?:
                return Completion(word: arg, candidates: Commands.listCategories.filter { $0.hasPrefix(arg) })
            case .name?, .expression?:
                break  // fall through to expression completion on the argument
            default:
                return .none
            }
        }
        return completeExpression(line)
    }

    /// The word before the cursor and the text before that word.
    static func splitWord(_ line: String) -> (before: Substring, word: String) {
        let scalars = line.unicodeScalars
        var i = scalars.endIndex
        while i > scalars.startIndex {
            let p = scalars.index(before: i)
            if !isWordScalar(scalars[p]) { break }
            i = p
        }
        var word = String(scalars[i...])
        // A number is not a word: in `3kil`, complete `kil`.
        while let f = word.unicodeScalars.first, ("0"..."9").contains(f) { word.unicodeScalars.removeFirst() }
        let before = line.dropLast(word.count)
        return (before, word)
    }

    func completeExpression(_ line: String) -> Completion {
        let (before, word) = Completer.splitWord(line)
        // Record fields: `h100.pe`, `a.b.c`.
        if before.hasSuffix("."), !before.hasSuffix("..") {
            let path = Completer.splitWord(String(before.dropLast()))
            guard let keys = fieldNames(of: String(before.dropLast()), lastName: path.word) else { return .none }
            return Completion(word: word, candidates: keys.filter { $0.hasPrefix(word) })
        }
        // Knob names after `sweep`.
        let previous = before.trimmingCharacters(in: .whitespaces)
        if previous.hasSuffix("sweep"), Completer.splitWord(previous).word == "sweep", before.last == " " {
            let knobs = session.interpreter.globals.filter { $0.value.kind == .knob }.map(\.key).sorted()
            return Completion(word: word, candidates: knobs.filter { $0.hasPrefix(word) }, suffix: " ")
        }
        // A choice knob's options after `fmt =` (the whole line is the move).
        if previous.hasSuffix("="), !previous.hasSuffix("=="), let options = choiceOptions(String(previous.dropLast())) {
            return Completion(word: word, candidates: options.filter { $0.hasPrefix(word) })
        }
        guard !word.isEmpty else { return .none }
        return Completion(word: word, candidates: names().filter { $0.hasPrefix(word) })
    }

    /// The option names of the choice knob `text` names (`fmt`, or `a = 1; fmt`).
    func choiceOptions(_ text: String) -> [String]? {
        let name = Completer.splitWord(text.trimmingCharacters(in: .whitespaces)).word
        guard !name.isEmpty, let k = session.interpreter.globals[name]?.knob, k.isChoice else { return nil }
        return k.options.map(\.name)
    }

    /// The fields of the record that `text` ends with (a name, or a chain of `.field`s).
    func fieldNames(of text: String, lastName: String) -> [String]? {
        var chain: [String] = []
        var rest = Substring(text)
        while true {
            let (before, word) = Completer.splitWord(String(rest))
            guard !word.isEmpty else { return nil }
            chain.insert(word, at: 0)
            if before.hasSuffix("."), !before.hasSuffix("..") {
                rest = before.dropLast()
            } else {
                break
            }
        }
        guard var value = session.interpreter.globals[chain[0]]?.value else { return nil }
        for field in chain.dropFirst() {
            guard case .record(let r) = value, let v = r[field] else { return nil }
            value = v
        }
        guard case .record(let r) = value else { return nil }
        return r.keys
    }

    /// Everything a name can be: globals, builtins, keywords, units.
    func names() -> [String] {
        let interp = session.interpreter
        var set = Set(interp.globals.keys.filter { !$0.hasPrefix("__") })
        set.formUnion(interp.builtinNames.filter { !$0.hasPrefix("__") })
        set.formUnion(Keyword.allCases.map(\.rawValue))
        set.formUnion(interp.units.units.keys)
        return set.sorted()
    }

    func completePath(_ arg: String) -> Completion {
        let dirPart: String, base: String
        if let slash = arg.lastIndex(of: "/") {
            dirPart = String(arg[...slash])
            base = String(arg[arg.index(after: slash)...])
        } else {
            dirPart = ""
            base = arg
        }
        let dir = dirPart.isEmpty ? "." : (dirPart as NSString).expandingTildeInPath
        guard let entries = try? fileManager.contentsOfDirectory(atPath: dir) else { return .none }
        var candidates: [String] = [], display: [String] = []
        for e in entries.sorted() where e.hasPrefix(base) {
            if e.hasPrefix(".") && !base.hasPrefix(".") { continue }
            var isDir: ObjCBool = false
            _ = fileManager.fileExists(atPath: (dir as NSString).appendingPathComponent(e), isDirectory: &isDir)
            candidates.append(dirPart + e + (isDir.boolValue ? "/" : ""))
            display.append(e + (isDir.boolValue ? "/" : ""))
        }
        return Completion(word: arg, candidates: candidates, display: display)
    }
}
