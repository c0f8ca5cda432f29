import ArgumentParser
import Foundation
import NapkinCore
import NapkinREPL

/// `napkin info NAME` and `napkin list [CATEGORY]`: the REPL's :info and :list from the shell,
/// so the physics library can be read without opening a session.
struct Info: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show a name's definition, value, dimension and source citation (like :info in the REPL).")

    @Argument(help: ArgumentHelp("A unit, function, knob, record or value, e.g. h100 or fleet_energy.", valueName: "NAME"))
    var name: String

    @OptionGroup var options: CommonOptions

    func run() throws {
        let runner = Runner(options: options.settings)
        try runner.finish(runner.libraryCommand(":info \(name)"))
    }
}

struct List: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List what the library defines: units, functions, knobs, records or dimensions (like :list).")

    @Argument(help: ArgumentHelp("units, functions, knobs, records or dimensions; without it, a summary.", valueName: "CATEGORY"))
    var category: String?

    @OptionGroup var options: CommonOptions

    func run() throws {
        let runner = Runner(options: options.settings)
        try runner.finish(runner.libraryCommand(":list \(category ?? "")"))
    }
}

struct Search: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Find names, descriptions and source citations that mention WORD (like :search).")

    @Argument(help: ArgumentHelp("A word to look for, in any case, e.g. water, ECB or Patterson.", valueName: "WORD"))
    var word: String

    @OptionGroup var options: CommonOptions

    func run() throws {
        let runner = Runner(options: options.settings)
        try runner.finish(runner.libraryCommand(":search \(word)"))
    }
}

extension Runner {
    func libraryCommand(_ text: String) -> Int32 {
        Session.onLargeStack {
            var opts = REPL.Options.forTerminal(noColor: options.noColor, version: napkinVersion)
            opts.digits = options.digits
            opts.historyPath = nil
            opts.lineEditing = false
            do {
                let repl = try REPL(options: opts) { () throws(NapkinError) -> Session in
                    switch makeSession() {
                    case .success(let s): return s
                    case .failure(let e): throw e
                    }
                }
                return repl.runCommand(text) ? 0 : 64
            } catch let error as NapkinError {
                report(error)
                return 70
            } catch {
                return 70
            }
        }
    }
}
