import Foundation
import NapkinCore
@testable import NapkinLibrary
import Testing

/// A one-shot run (`napkin -e`, `napkin run`) loads only the prelude files its program needs
/// (`Prelude.makeSession(for:)`); what it prints must be what the whole prelude prints.
@Suite("Prelude loaded for one program")
struct PreludeLazyLoadTests {
    /// What `source` prints in `session`, results and errors alike.
    func output(_ session: Session, _ source: String) -> String {
        var lines: [String] = []
        session.interpreter.emit = { lines.append($0) }
        session.onResult = { v in lines.append((try? session.interpreter.describe(v)) ?? "?") }
        session.onNote = { lines.append("note: \($0)") }
        do { try session.run(source, name: "<e>") } catch { lines.append(error.render()) }
        return lines.joined(separator: "\n")
    }

    @Test("a program of units alone leaves the library's later files unloaded")
    func unitsOnly() throws {
        let lazy = try Prelude.makeSession(for: ["1 TB / 10 Gbit/s"])
        #expect(lazy.interpreter.globals["h100"] == nil)
        #expect(lazy.interpreter.globals["celsius"] != nil, "the units files always load")
        #expect(output(lazy, "1 TB / 10 Gbit/s") == "13.33 min [Time]")
        let full = try Prelude.makeSession()
        #expect(full.interpreter.globals["h100"] != nil)
    }

    @Test("programs read, print and fail exactly as with the whole prelude", arguments: [
        "1 TB / 10 Gbit/s",
        "h100.power * 1 h",
        "gpu(\"h100\").power",
        "h10.power",                       // a misspelt library name: the same suggestion
        "pue_industr * 2",
        "watr_us_average",
        "5 lbCO2e to kgCO2e",
        "3 L/kWh",
        "let h = 2\n5 h",                  // a name over a unit: the same note
        "fleet_energy(efficiency: 2, jevons: 1.4)",
        "\"h100 is named only in a string\"",
        "sum(sweep x 1...3 < x * 1 W >)",
        "maxx(1, 2)",
        "let x = 5 kWh\nx to MJ",
        "frobnicate",
        // Found by review: names next to operators the lexer reads beyond ASCII, and after a number.
        "10 kWh×pue_industry",
        "2000×h100.power",
        "1 TB÷eth_10g.bw",
        "1.0000≤pue_industry",
        "2\u{A0}*\u{A0}pue_best",
        "hw⁻¹",
        "1e3h100",
        "100jevons",
        "sum(sweep x 1...3 < x×pue_best×2 >)",
    ])
    func sameAsWhole(_ source: String) throws {
        let lazy = try Prelude.makeSession(for: [source])
        let full = try Prelude.makeSession()
        #expect(output(lazy, source) == output(full, source))
    }

    @Test("naming any name of a later file loads that file")
    func everyNameLoads() throws {
        let later = EmbeddedPrelude.files.filter { !$0.eager }
        #expect(!later.isEmpty)
        for file in later {
            for name in file.defines.prefix(8) {
                let session = try Prelude.makeSession(for: ["\(name)"])
                #expect(session.interpreter.globals[name] != nil, "\(file.name): \(name)")
            }
        }
    }

    @Test("words are names and unit symbols, whatever surrounds them")
    func words() {
        #expect(Prelude.words(in: "h100.power*2 µs + m²/s \"gpu(x)\" # lbCO2e") == ["h100", "power", "µs", "m", "s", "gpu", "x", "lbCO2e"])
        // Operators and spaces the lexer knows beyond ASCII separate names, as it reads them.
        #expect(Prelude.words(in: "2000×h100.power÷eth_10g\u{A0}pue_best⁻¹") == ["h100", "power", "eth_10g", "pue_best"])
        // A number's unit: the name may start anywhere after a digit.
        #expect(Prelude.words(in: "1e3h100 12_345jevons") == ["e3h100", "h100", "_345jevons", "jevons"])
        #expect(Prelude.words(in: "") == [])
    }
}
