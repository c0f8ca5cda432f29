import ArgumentParser
import Foundation
import NapkinCore

/// `napkin info NAME` and `napkin list [CATEGORY]`: the REPL's :info and :list from the shell,
/// so the physics library can be read without opening a session.
struct Info: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Show a name's definition, value, dimension and source citation (like :info in the REPL).")

    @Argument(help: ArgumentHelp("A unit, function, knob, record or value, e.g. h100 or fleet_energy.", valueName: "NAME"))
    var name: String

    @OptionGroup var options: CommonOptions

    func run() throws {
        let runner = Runner(options: options.settings)
        try runner.finish(runner.ask { $0.info(name) })
    }
}

struct List: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List what the library defines: units, functions, knobs, records or dimensions (like :list).")

    @Argument(help: ArgumentHelp("units, functions, knobs, records or dimensions; without it, a summary.", valueName: "CATEGORY"))
    var category: String?

    @OptionGroup var options: CommonOptions

    func run() throws {
        let runner = Runner(options: options.settings)
        try runner.finish(runner.ask { $0.list(category ?? "") })
    }
}

struct Search: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Find names, descriptions and source citations that mention WORD (like :search).")

    @Argument(help: ArgumentHelp("A word to look for, in any case, e.g. water, ECB or Patterson.", valueName: "WORD"))
    var word: String

    @OptionGroup var options: CommonOptions

    func run() throws {
        let runner = Runner(options: options.settings)
        try runner.finish(runner.ask { $0.search(word) })
    }
}

extension Runner {
    /// One question for the library catalog, answered from a loaded session (no REPL).
    func ask(_ question: @escaping (Catalog) -> Void) -> Int32 {
        Session.onLargeStack {
            switch makeSession() {
            case .failure(let error):
                report(error)
                return 70
            case .success(let session):
                let (lines, error) = Catalog(session: session, style: TextStyle(enabled: useColor(fd: STDOUT_FILENO))).answer(question)
                OutputSink.shared.flush()
                if !lines.isEmpty { StandardStream.output(lines.joined(separator: "\n") + "\n") }
                if let error {
                    let errorStyle = TextStyle(enabled: colorErrors)
                    StandardStream.error(errorStyle.error("error") + ": " + error + "\n")
                    return 64
                }
                return 0
            }
        }
    }
}
