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
        let trees = try decoded.get()
        let session = Session(unitNames: trees.units.copy())
        for program in trees.files { try session.run(parsed: program) }
        return session
    }

    /// Every file's syntax tree, and the unit names the parser knows after them, decoded once per
    /// process. The tree is immutable, so every session (a REPL's `:reset`, the tests) runs the
    /// same one and skips the decoding; kept for the process's life, it is never freed, which
    /// start-up otherwise spent 4% of its instructions on.
    private static let decoded: Result<(files: [[Stmt]], units: UnitNames), NapkinError> = {
        let units = UnitNames()
        var files: [[Stmt]] = []
        for f in EmbeddedPrelude.files {
            let file = SourceFile(name: "prelude/\(f.name)", text: f.source)
            guard let bytes = Data(base64Encoded: f.archive) else {
                return .failure(NapkinError(.parse, "the archived syntax of \(file.name) is damaged (rebuild napkin)"))
            }
            do throws(NapkinError) { files.append(try SyntaxArchive.decode(Array(bytes), file: file, units: units)) } catch { return .failure(error) }
        }
        return .success((files, units))
    }()

    /// The same session, its prelude parsed from the source text, as the build parses it (the
    /// tests compare the two); `parsed` sees each file's syntax tree.
    public static func makeSessionFromSource(parsed: (SourceFile, [Stmt]) -> Void = { _, _ in }) throws(NapkinError) -> Session {
        let session = Session()
        for f in files {
            let file = SourceFile(name: "prelude/\(f.name)", text: f.source)
            let program = try session.parse(file)
            parsed(file, program)
            try session.run(parsed: program)
        }
        return session
    }
}
