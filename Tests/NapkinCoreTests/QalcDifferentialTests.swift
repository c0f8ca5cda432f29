import Foundation
import Testing
import TestSupport
@testable import NapkinCore
import NapkinLibrary

/// napkin against an oracle no one here wrote: Qalculate's `qalc` (Debian package `qalc`,
/// installed by scripts/setup). Generated unit conversions and products are computed by both,
/// as a plain number (the result divided by one target unit), and must agree.
@Suite("Differential test against qalc")
struct QalcDifferentialTests {
    /// Units by dimension, written the same way in napkin and in qalc (a few need a qalc name).
    static let units: [String: [String]] = [
        "Time": ["s", "ms", "µs", "ns", "min", "h", "days", "week", "year", "month"],
        "Length": ["m", "km", "mm", "cm", "nm", "mi", "ft"],
        "Mass": ["g", "kg", "mg", "tonne", "lb"],
        "Energy": ["J", "kJ", "MJ", "GJ", "Wh", "kWh", "MWh", "GWh", "TWh", "eV", "mJ"],
        "Power": ["W", "kW", "MW", "GW", "mW"],
        "Information": ["bit", "B", "kB", "MB", "GB", "TB", "PB", "KiB", "MiB", "GiB", "TiB", "Gbit"],
        "DataRate": ["bit/s", "Gbit/s", "Mbit/s", "MB/s", "GB/s", "kB/s"],
        "Frequency": ["Hz", "kHz", "MHz", "GHz"],
        "Current": ["A", "mA"],
        "Voltage": ["V", "mV", "kV"],
        "Charge": ["Ah", "mAh"],
        "Force": ["N", "kN"],
        "Area": ["m^2", "cm^2", "km^2", "mm^2"],
        "Speed": ["m/s", "km/h"],
    ]
    static let qalcNames = ["days": "d"]
    /// Products napkin must get right: (left, right, result) dimensions of left × right.
    static let products: [(String, String, String)] = [
        ("Power", "Time", "Energy"), ("DataRate", "Time", "Information"), ("Force", "Length", "Energy"),
        ("Voltage", "Current", "Power"), ("Current", "Time", "Charge"), ("Length", "Length", "Area"),
        ("Speed", "Time", "Length"), ("Voltage", "Charge", "Energy"),
    ]
    /// Quotients: (numerator, denominator, result).
    static let quotients: [(String, String, String)] = [
        ("Energy", "Time", "Power"), ("Information", "DataRate", "Time"), ("Energy", "Power", "Time"),
        ("Length", "Time", "Speed"), ("Information", "Time", "DataRate"), ("Energy", "Length", "Force"),
        ("Area", "Length", "Length"), ("Charge", "Current", "Time"),
    ]

    static func qalcUnit(_ u: String) -> String { qalcNames[u] ?? u }

    /// The generated cases: a napkin expression and the same in qalc, each a plain number.
    static func cases(count: Int) -> [(napkin: String, qalc: String)] {
        var rng = SplitMix64(state: 0xCA1C)
        var out: [(String, String)] = []
        func number() -> String {
            let m = Double(1 + rng.below(99_999)) / 1000
            return "\(m)e\(rng.below(13) - 6)"
        }
        while out.count < count {
            switch rng.below(3) {
            case 0:
                // A conversion: v U1 -> U2, as a number of U2.
                let dim = rng.pick(Array(units.keys).sorted())
                let a = rng.pick(units[dim]!), b = rng.pick(units[dim]!), v = number()
                out.append(("(\(v) \(a) -> \(b)) / (1 \(b))", "(\(v) \(qalcUnit(a))) / (1 \(qalcUnit(b)))"))
            case 1:
                let (l, r, res) = rng.pick(products)
                let a = rng.pick(units[l]!), b = rng.pick(units[r]!), c = rng.pick(units[res]!)
                let v = number(), w = number()
                out.append(("\(v) \(a) * \(w) \(b) / (1 \(c))",
                            "((\(v) \(qalcUnit(a))) * (\(w) \(qalcUnit(b)))) / (1 \(qalcUnit(c)))"))
            default:
                let (n, d, res) = rng.pick(quotients)
                let a = rng.pick(units[n]!), b = rng.pick(units[d]!), c = rng.pick(units[res]!)
                let v = number(), w = number()
                out.append(("\(v) \(a) / (\(w) \(b)) / (1 \(c))",
                            "((\(v) \(qalcUnit(a))) / (\(w) \(qalcUnit(b)))) / (1 \(qalcUnit(c)))"))
            }
        }
        return out
    }

    /// Runs qalc on every expression (one process, one expression per line).
    static func qalc(_ expressions: [String]) throws -> [String]? {
        let path = ["/usr/bin/qalc", "/usr/local/bin/qalc"].first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let path else { return nil }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("napkin-qalc-\(getpid()).txt")
        try expressions.joined(separator: "\n").write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = ["-t", "-s", "precision 15", "-f", file.path]
        var env = ProcessInfo.processInfo.environment
        env["HOME"] = FileManager.default.temporaryDirectory.path   // no user settings, no exchange-rate updates
        p.environment = env
        let out = Pipe()
        p.standardOutput = out
        p.standardError = Pipe()
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    }

    static func number(_ qalcOutput: String) -> Double? {
        let t = qalcOutput.replacingOccurrences(of: "≈", with: "").replacingOccurrences(of: " ", with: "")
            .replacingOccurrences(of: "E", with: "e")
        return Double(t)
    }

    @Test("napkin agrees with qalc on 600 generated conversions, products and quotients")
    func agreesWithQalc() throws {
        let cases = Self.cases(count: 600)
        guard let answers = try Self.qalc(cases.map(\.qalc)) else {
            Issue.record("qalc is not installed: run scripts/setup (it installs the Debian package qalc)")
            return
        }
        #expect(answers.count >= cases.count, "qalc answered \(answers.count) of \(cases.count) lines")
        let session = try Prelude.makeSession()
        var failures: [String] = []
        var compared = 0
        for (i, c) in cases.enumerated() where i < answers.count {
            guard let expected = Self.number(answers[i]) else {
                failures.append("qalc gave no number for \(c.qalc): '\(answers[i])'")
                continue
            }
            var got: Value?
            session.onResult = { got = $0 }
            do { try session.run(c.napkin, name: "<qalc \(i)>") } catch {
                failures.append("napkin failed on \(c.napkin): \(error.message)")
                continue
            }
            guard case .quantity(let q)? = got, q.dim.isNone else {
                failures.append("napkin gave no plain number for \(c.napkin)")
                continue
            }
            compared += 1
            if abs(q.value - expected) > 1e-9 * max(abs(q.value), abs(expected)) {
                failures.append("\(c.napkin) = \(q.value) in napkin, \(expected) in qalc (\(c.qalc))")
            }
        }
        #expect(compared >= 500, "only \(compared) cases compared")
        #expect(failures.isEmpty, "\(failures.count) disagreements:\n\(failures.prefix(10).joined(separator: "\n"))")
    }
}
