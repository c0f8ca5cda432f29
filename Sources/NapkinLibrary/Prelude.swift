import Foundation
import NapkinCore

/// The prelude written in napkin (Prelude/*.lab), embedded into the binary at build time: each
/// file's text, and its syntax tree parsed and name-checked by the build (SyntaxArchive).
public enum Prelude {
    public static var files: [(name: String, source: String)] { EmbeddedPrelude.files.map { ($0.name, $0.source) } }

    /// Each file's archived syntax tree, as the build wrote it.
    public static var archives: [[UInt8]] {
        EmbeddedPrelude.files.map { Data(base64Encoded: $0.archive).map { Array($0) } ?? [] }
    }

    /// A session with every prelude file loaded, in file-name order, from the syntax trees the
    /// build archived (no lexing, parsing or name checking at start-up). Its figures are data
    /// (the core's instrument builtins make them); a host that shows them installs a renderer
    /// (NapkinInstruments' `Instruments.install`). The library needs no drawing code.
    public static func makeSession() throws(NapkinError) -> Session {
        try makeSession(through: EmbeddedPrelude.files.count - 1)
    }

    /// A session for a one-shot run of `sources` (`napkin -e`, `napkin run`): the prelude files
    /// in order up to the last one the sources need, which is all of them as soon as they name
    /// anything the library defines. A file is needed when a word of the sources (anywhere, in a
    /// string or a comment too) is a name it defines, or is close enough to one to be suggested
    /// for it ("did you mean …?"), or when it must always load (it declares units, dimensions or
    /// how results are shown; `EmbeddedPrelude`'s `eager`). The files left out define only names
    /// that the sources never mention, so the run reads, checks and prints exactly as with all
    /// of them — `1 TB / 10 Gbit/s` just starts sooner (it needs only the units).
    public static func makeSession(for sources: [String]) throws(NapkinError) -> Session {
        let files = EmbeddedPrelude.files
        let words = Set(sources.flatMap(words(in:)))
        var last = files.lastIndex(where: \.eager) ?? -1
        for w in words { if let i = definingFile[w] { last = max(last, i) } }
        let session = try makeSession(through: last)
        // A word the loaded files do not know may be a misspelling of a later file's name: that
        // file loads too, so the error suggests the same names as with the whole prelude.
        let interp = session.interpreter
        let builtins = Set(interp.builtinNames)
        while last < files.count - 1 {
            let unknown = words.filter { interp.globals[$0] == nil && !builtins.contains($0) && !session.unitNames.contains($0) }
            guard let upTo = files.indices[(last + 1)...].last(where: { i in
                unknown.contains { nearNames[i].hasSuggestion(for: $0) }
            }) else { break }
            for program in try decoded.load(through: upTo).trees[(last + 1)...] { try session.run(parsed: program) }
            last = upTo
        }
        return session
    }

    static func makeSession(through last: Int) throws(NapkinError) -> Session {
        let (trees, units) = try decoded.load(through: last)
        let session = Session(unitNames: units)
        for program in trees { try session.run(parsed: program) }
        return session
    }

    /// Each file's names, made ready for the did-you-mean question above (filed by length when
    /// the file is first asked about, a length's names lowered when it is): a script asks it of
    /// every word it has (its own names, the words of its comments), which cost a lecturer's
    /// session file four fifths of its start when each asked `suggestions(for:among:)` afresh.
    private static let nearNames = EmbeddedPrelude.files.map { NearNames($0.defines) }

    /// The later (not eager) file defining each name: where a word of a one-shot run points.
    private static let definingFile: [String: Int] = {
        var index: [String: Int] = [:]
        for (i, f) in EmbeddedPrelude.files.enumerated() where !f.eager {
            for name in f.defines { index[name] = i }  // the last file to define it
        }
        return index
    }()

    /// Every name the lexer could read in `text`, and some more: a run of name characters (the
    /// lexer's own rules) is a name when it starts with a letter; when it starts otherwise (a
    /// digit), the lexer reads a number first (`1e3h100` is 1e3 of `h100`), so each part that
    /// starts with a letter after a digit may be a name. Strings and comments are read the same way.
    static func words(in text: String) -> [String] {
        var out: [String] = []
        let s = Array(text.unicodeScalars)
        var i = 0
        while i < s.count {
            guard Lexer.isIdentContinue(s[i]) else { i += 1; continue }
            var j = i
            while j < s.count, Lexer.isIdentContinue(s[j]) { j += 1 }
            if Lexer.isIdentStart(s[i]) {
                out.append(String(String.UnicodeScalarView(s[i..<j])))
            } else {
                for k in (i + 1)..<j where Lexer.isIdentStart(s[k]) && !Lexer.isIdentStart(s[k - 1]) {
                    out.append(String(String.UnicodeScalarView(s[k..<j])))
                }
            }
            i = j
        }
        return out
    }

    /// Every file's syntax tree, decoded the first time a session needs that file and kept for
    /// the process's life: the tree is immutable, so every session (a REPL's `:reset`, the tests)
    /// runs the same one and skips the decoding, and it is never freed (start-up spent 4% of its
    /// instructions on that).
    private static let decoded = DecodedFiles()

    private final class DecodedFiles: @unchecked Sendable {
        private let lock = NSLock()
        private var files: [[Stmt]] = []
        /// The unit names the parser knows once the eager files are read (later files declare none).
        private let names = UnitNames()

        /// The trees of files 0…`last`, decoding those not decoded yet (in order: a file's units
        /// are known to the files after it), and a copy of the unit names known after them.
        func load(through last: Int) throws(NapkinError) -> (trees: ArraySlice<[Stmt]>, units: UnitNames) {
            lock.lock()
            defer { lock.unlock() }
            let embedded = EmbeddedPrelude.files
            while files.count <= last {
                let f = embedded[files.count]
                let file = SourceFile(name: "prelude/\(f.name)", text: f.source)
                guard let bytes = Data(base64Encoded: f.archive) else {
                    throw NapkinError(.parse, "the archived syntax of \(file.name) is damaged (rebuild napkin)")
                }
                files.append(try SyntaxArchive.decode(Array(bytes), file: file, units: names))
            }
            return (files[0..<(last + 1)], names.copy())
        }
    }

    /// The same session, its prelude parsed from the source text, as the build parses it (the
    /// tests compare the two); `parsed` sees each file's syntax tree.
    public static func makeSessionFromSource(parsed: (SourceFile, [Stmt]) -> Void = { _, _ in }) throws(NapkinError) -> Session {
        let session = Session()
        for f in files {
            let file = SourceFile(name: "prelude/\(f.name)", text: f.source)
            let program = try session.parse(file).statements
            parsed(file, program)
            try session.run(parsed: program)
        }
        return session
    }
}
