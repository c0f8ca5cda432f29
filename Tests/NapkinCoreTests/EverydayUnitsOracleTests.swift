import Foundation
import Testing
import NapkinCore
import NapkinLibrary

/// Every unit and temperature function of Prelude/05_everyday_units.lab against an independent
/// oracle run here: qalc (libqalculate) or GNU units, both installed by scripts/setup.
@Suite("Everyday units against qalc and GNU units")
struct EverydayUnitsOracleTests {
    enum Oracle: Sendable { case qalc, gnuUnits }

    /// A napkin expression giving a plain number, and the oracle's question giving the same number.
    struct Case: Sendable, CustomStringConvertible {
        let napkin: String
        let oracle: Oracle
        let query: [String]
        var description: String { napkin }
    }

    static func q(_ napkin: String, _ query: String) -> Case { Case(napkin: napkin, oracle: .qalc, query: [query]) }
    static func u(_ napkin: String, _ from: String, _ to: String) -> Case { Case(napkin: napkin, oracle: .gnuUnits, query: [from, to]) }

    static let cases: [Case] = [
        // Volume
        q("1 L / 1 m^3", "1 L to m^3"), q("1 mL / 1 m^3", "1 mL to m^3"), q("1 ML / 1 m^3", "1 ML to m^3"),
        q("1 GL / 1 m^3", "1 GL to m^3"), q("1 gal / 1 m^3", "1 gallon to m^3"), q("1 m³ / 1 L", "1 m^3 to L"),
        // Imperial length, mass, speed
        q("1 inch / 1 m", "1 inch to m"), q("1 yd / 1 m", "1 yard to m"), q("1 ft / 1 m", "1 ft to m"),
        q("1 mi / 1 m", "1 mile to m"), q("1 lb / 1 kg", "1 lb to kg"), q("1 oz / 1 kg", "1 oz to kg"),
        q("1 mph / (1 m/s)", "1 mph to m/s"), q("1 kn / (1 m/s)", "1 knot to m/s"),
        // Energy and power (qalc's cal is the IT calorie, GNU units' the thermochemical one; qalc's hp is
        // 745.69998… W, GNU units' and NIST's 550 ft·lbf/s = 745.69987… W)
        u("1 cal / 1 J", "calorie", "J"), u("1 kcal / 1 J", "kcal", "J"), q("1 cal_IT / 1 J", "1 cal to J"),
        u("1 BTU / 1 J", "btu", "J"), u("1 hp / 1 W", "hp", "W"), q("1 eV / 1 J", "1 eV to J"),
        // Pressure
        q("1 Pa / (1 N/m^2)", "1 Pa to N/m^2"), q("1 bar / 1 Pa", "1 bar to Pa"), q("1 atm / 1 Pa", "1 atm to Pa"),
        q("1 psi / 1 Pa", "1 psi to Pa"), q("1 atm / 1 bar", "1 atm to bar"), q("1 psi / 1 kPa", "1 psi to kPa"),
        // Temperature: the functions, their round trips and the edges (absolute zero, -40 = -40)
        q("1 rankine / 1 K", "1 Rankine to K"),
        q("celsius(20) / 1 K", "20 °C to K"), q("celsius(-273.15) / 1 K", "-273.15 °C to K"),
        q("celsius(0) / 1 K", "0 °C to K"), q("fahrenheit(68) / 1 K", "68 °F to K"),
        q("fahrenheit(-459.67) / 1 K", "-459.67 °F to K"), q("fahrenheit(98.6) / 1 K", "98.6 °F to K"),
        q("in_celsius(0 K)", "0 K to °C"), q("in_celsius(300 K)", "300 K to °C"),
        q("in_fahrenheit(300 K)", "300 K to °F"), q("in_fahrenheit(0 K)", "0 K to °F"),
        q("in_fahrenheit(celsius(-40))", "-40 °C to °F"), q("in_fahrenheit(celsius(100))", "100 °C to °F"),
        q("in_celsius(fahrenheit(451))", "451 °F to °C"), q("in_celsius(5000 rankine)", "5000 Rankine to °C"),
        u("in_fahrenheit(celsius(37))", "tempC(37)", "tempF"),
        // Currencies: ECB reference rates of 2023-01-03 (qalc reads the same ECB file)
        q("1 EUR / 1 USD", "1 EUR to USD"), q("1 GBP / 1 USD", "1 GBP to USD"), q("1 CNY / 1 USD", "1 CNY to USD"),
        q("1 JPY / 1 USD", "1 JPY to USD"), q("1 INR / 1 USD", "1 INR to USD"), q("1 CHF / 1 USD", "1 CHF to USD"),
        q("1 CAD / 1 USD", "1 CAD to USD"), q("1 AUD / 1 USD", "1 AUD to USD"), q("1 KRW / 1 USD", "1 KRW to USD"),
        q("1 GBP / 1 EUR", "1 GBP to EUR"), q("1000 JPY / 1 CNY", "1000 JPY to CNY"),
    ]

    @Test("every new unit is checked against an oracle")
    func everyUnitHasACase() throws {
        let source = Prelude.files.first { $0.name == "05_everyday_units.lab" }?.source ?? ""
        var declared: [String] = []
        for line in source.split(separator: "\n") where line.hasPrefix("unit ") {
            let rest = line.dropFirst(5)
            declared.append(String(rest.prefix { !",=: ".contains($0) }))
        }
        #expect(declared.count >= 20)
        let asked = Self.cases.map(\.napkin).joined(separator: " ")
        for name in declared {
            #expect(asked.range(of: "\\b1 \(name)\\b", options: .regularExpression) != nil, "no oracle case for unit \(name)")
        }
        for fn in ["celsius", "fahrenheit", "in_celsius", "in_fahrenheit"] { #expect(asked.contains(fn + "(")) }
    }

    @Test("napkin agrees with the oracle to 12 significant digits", arguments: cases)
    func agrees(_ c: Case) throws {
        let expected = try Self.ask(c)
        let actual = try PhysicsLibraryTests.number(c.napkin)
        let scale = max(abs(expected), 1e-300)
        #expect(abs(actual - expected) <= 1e-12 * scale || abs(actual - expected) < 1e-12,
                "\(c.napkin) = \(actual), oracle says \(expected)")
    }

    // MARK: Oracles

    static func ask(_ c: Case) throws -> Double {
        let (tool, args): (String, [String])
        switch c.oracle {
        case .qalc: (tool, args) = ("qalc", ["-t", "-set", "precision 17"] + c.query)
        case .gnuUnits: (tool, args) = ("units", ["-1", "-t", "-d", "15"] + c.query)
        }
        let text = try run(tool, args)
        // "$1.1976…", "CNY 52.8…", "−273.15 °C", "1.602176634E-19 J": the first field that is a number.
        let cleaned = text.replacingOccurrences(of: "−", with: "-").replacingOccurrences(of: "$", with: "")
            .replacingOccurrences(of: "€", with: "").trimmingCharacters(in: .whitespacesAndNewlines)
        let number = cleaned.split(separator: " ").lazy.compactMap { Double($0.replacingOccurrences(of: "E", with: "e")) }.first
        guard let value = number else {
            throw OracleError("\(tool) \(args.joined(separator: " ")) answered '\(text)'")
        }
        return value
    }

    struct OracleError: Error, CustomStringConvertible {
        let description: String
        init(_ d: String) { description = d }
    }

    static func run(_ tool: String, _ args: [String]) throws -> String {
        guard let path = ["/usr/bin/", "/usr/local/bin/", "/bin/"].map({ $0 + tool }).first(where: FileManager.default.isExecutableFile) else {
            throw OracleError("\(tool) is not installed: run scripts/setup (it installs qalc and GNU units)")
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = args
        // A fresh HOME: qalc reads no user settings and keeps the shipped ECB rates.
        var env = ProcessInfo.processInfo.environment
        env["HOME"] = FileManager.default.temporaryDirectory.appendingPathComponent("napkin-oracle-home").path
        p.environment = env
        let out = Pipe()
        p.standardOutput = out
        p.standardError = Pipe()
        p.standardInput = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}
