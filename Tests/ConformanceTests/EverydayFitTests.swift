import Foundation
import TestSupport
import Testing

/// Issue 19 through the real binary: exports that keep their data, sessions started from a
/// file, --lib, several -e, the init file, :search, --version and the --help examples.
@Suite("Everyday fit: exports, sessions, packaging")
struct EverydayFitTests {
    static func temp(_ name: String) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("napkin-fit-\(getpid())-\(name)")
        try? FileManager.default.removeItem(at: dir)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    // MARK: Exports

    /// A table with awkward numbers (thirds, sevenths, tiny and huge) and text that needs quoting.
    static let table = "sweep x 1...6 < x * 1 kWh / 3, x / 7 * 1 TB, x * 1e-9 s / 3, (x > 3), 0.1 * x >"
    static let record = #"{ name: "edge, \"quoted\"", peak: 50 TOPS / 3, power: 1 W / 7, ok: true, ratio: 1 / 3, water: 1.8 L/kWh }"#

    /// RFC 4180 fields (quotes doubled inside quoted fields).
    static func parseCSV(_ text: String) -> [[String]] {
        var rows: [[String]] = [], row: [String] = [], field = "", quoted = false
        var chars = Array(text).makeIterator()
        while let c = chars.next() {
            if quoted {
                if c == "\"" {
                    if let n = chars.next() {
                        if n == "\"" { field.append("\"") } else {
                            quoted = false
                            if n == "," { row.append(field); field = "" } else if n == "\n" { row.append(field); rows.append(row); row = []; field = "" }
                        }
                    } else { quoted = false }
                } else { field.append(c) }
            } else if c == "\"" { quoted = true } else if c == "," { row.append(field); field = "" } else if c == "\n" {
                row.append(field); rows.append(row); row = []; field = ""
            } else { field.append(c) }
        }
        if !field.isEmpty || !row.isEmpty { row.append(field); rows.append(row) }
        return rows
    }

    /// A napkin program asserting that every exported cell, read back by napkin in its column's
    /// unit, is the original value: exactly where a decimal can say it in that unit, else within
    /// the unit factor's rounding (2 ulp, a relative 5e-16; 17 significant digits are written).
    static func readBack(_ original: String, columns: [(name: String, unit: String)], rows: [[String]], isTable: Bool) -> String {
        var program = "let original = \(original)\n"
        for (r, row) in rows.enumerated() {
            for (c, cell) in row.enumerated() {
                let v = isTable ? "column(original, \(c))[\(r)]" : "original.\(columns[c].name)"
                if Double(cell) != nil {
                    program += "assert_eq(\(v), \(cell)\(columns[c].unit.isEmpty ? "" : " " + columns[c].unit), 5e-16)\n"
                } else if cell == "true" || cell == "false" {
                    program += "assert \(v) == \(cell)\n"
                } else {
                    program += "assert \(v) == \"\(cell.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\""))\"\n"
                }
            }
        }
        return program + "print(\"read back\")\n"
    }

    static func header(_ h: String) -> (name: String, unit: String) {
        guard h.hasSuffix("]"), let open = h.lastIndex(of: "[") else { return (h, "") }
        return (String(h[..<open]).trimmingCharacters(in: .whitespaces), String(h[h.index(after: open)..<h.index(before: h.endIndex)]))
    }

    @Test("a table and a record round-trip through CSV without loss", arguments: [table, record])
    func csvRoundTrip(_ value: String) throws {
        let r = try runNapkin(["--format", "csv", "-e", value])
        #expect(r.code == 0, "\(r.err)")
        let rows = Self.parseCSV(r.out)
        let columns = rows[0].map(Self.header)
        let isTable = value.hasPrefix("sweep")
        #expect(rows.count == (isTable ? 7 : 2))
        if !isTable {
            #expect(columns.map(\.name) == ["name", "peak", "power", "ok", "ratio", "water"], "fields in their order")
            #expect(rows[1] == ["edge, \"quoted\"", "16.666666666666664", "0.14285714285714285", "true", "0.3333333333333333", "1.8"])
            #expect(columns.map(\.unit) == ["", "TOPS", "W", "", "", "L/kWh"], "units in the headers")
        }
        let check = try runNapkin(["-e", Self.readBack(value, columns: columns, rows: Array(rows.dropFirst()), isTable: isTable)])
        #expect(check.out == "read back\n", "\(check.err)\n\(r.out)")
    }

    /// The JSON document --format json writes.
    struct Document: Decodable {
        struct Column: Decodable { let name: String, unit: String, dimension: String }
        /// A cell as the text napkin would read back (a Double's shortest form reads back exactly).
        enum Cell: Decodable {
            case bool(Bool), number(Double), string(String), null
            init(from decoder: Decoder) throws {
                let c = try decoder.singleValueContainer()
                if c.decodeNil() { self = .null } else if let b = try? c.decode(Bool.self) { self = .bool(b) }
                else if let d = try? c.decode(Double.self) { self = .number(d) } else { self = .string(try c.decode(String.self)) }
            }
            var text: String {
                switch self {
                case .bool(let b): return b ? "true" : "false"
                case .number(let d): return "\(d)"
                case .string(let s): return s
                case .null: return ""
                }
            }
        }
        let columns: [Column]
        let rows: [[String: Cell]]
    }

    @Test("a table and a record round-trip through JSON without loss", arguments: [table, record])
    func jsonRoundTrip(_ value: String) throws {
        let r = try runNapkin(["--format", "json", "-e", value])
        #expect(r.code == 0, "\(r.err)")
        let doc = try JSONDecoder().decode(Document.self, from: Data(r.out.utf8))
        let columns = doc.columns.map { (name: $0.name, unit: $0.unit) }
        let cells: [[String]] = doc.rows.map { row in columns.map { row[$0.name]?.text ?? "" } }
        // The text order of each row's keys is the columns' order.
        let firstRow = r.out.components(separatedBy: "\"rows\": [\n")[1].split(separator: "\n")[0]
        let positions = columns.map { firstRow.range(of: "\"\($0.name)\":")?.lowerBound }
        #expect(positions.allSatisfy { $0 != nil } && positions.map { $0! } == positions.map { $0! }.sorted())
        let check = try runNapkin(["-e", Self.readBack(value, columns: columns, rows: cells, isTable: value.hasPrefix("sweep"))])
        #expect(check.out == "read back\n", "\(check.err)\n\(r.out)")
    }

    /// Naming napkin's own output as the handout writes the page after the printed results,
    /// never over them (an atomic write renamed a new file over `> page.html`, found by review).
    @Test("--html /dev/stdout follows the printed results")
    func handoutToStandardOutput() throws {
        let r = try runNapkin(["--html", "/dev/stdout", "-e", "1 W", "-e", "2 W"])
        #expect(r.code == 0, "\(r.err)")
        #expect(r.out.hasPrefix("1 W [Power]\n2 W [Power]\n<!doctype html>"), "\(r.out.prefix(200))")
    }

    /// A sweep whose body is named like its variable has two columns named x; a JSON reader
    /// keeps one of two equal keys, so the second is `x (2)` (found by the crash hunt).
    @Test("JSON rows have one key per column, however the columns are named")
    func jsonKeysDiffer() throws {
        let r = try runNapkin(["--format", "json", "-e", "sweep x 1...3 < x, x * 2 W >"])
        #expect(r.code == 0, "\(r.err)")
        let doc = try JSONDecoder().decode(Document.self, from: Data(r.out.utf8))
        #expect(doc.columns.map(\.name) == ["x", "x (2)", "x * 2 W"])
        #expect(doc.rows.allSatisfy { $0.count == 3 }, "\(r.out)")
        guard case .number(let last)? = doc.rows.last?["x (2)"] else { Issue.record("no x (2) in \(r.out)"); return }
        #expect(last == 3)
    }

    /// 1/3 kWh and 123456789.123456789 (as a number and as watts): neither survives rounding.
    static let definitions = "let a = 1 kWh / 3\nlet b = 123456789.123456789\nlet c = 123456789.123456789 W\n"

    /// Every shape a value exports as, with how to reach the value behind a row and a column.
    static let shapes: [(name: String, value: String, access: (_ row: Int, _ column: String, _ index: Int) -> String)] = [
        ("scalar", "c", { _, _, _ in "original" }),
        ("record", "{ e: a, n: b, p: c }", { _, col, _ in "original.\(col)" }),
        ("list", "[a, 2 * a, 7 * a]", { r, _, _ in "original[\(r)]" }),
        ("mixed list", "[a, b, c, \"text\", 5%]", { r, _, _ in "original[\(r)]" }),
        ("nested cells", #"[{ e: a, l: [a, b, c] }, { e: c, l: { x: a, y: [b], "a b": a, "if": 1 } }]"#, { r, col, _ in "original[\(r)].\(col)" }),
        ("table", "sweep x 1...3 < x * a, x * c, { r: x * a, l: [b, c] } >", { r, _, i in "column(original, \(i))[\(r)]" }),
    ]

    /// A cell read back as napkin source: a number in its column's unit, else as it is written.
    static func napkinCell(_ text: String, unit: String) -> String {
        unit.isEmpty ? text : unit == "%" ? text + "%" : "\(text) \(unit)"
    }

    /// A JSON cell's leaves as napkin source, each with the path to it (`[1].x`): `{"value",
    /// "unit"}` objects are quantities; JSON objects do not keep their order, so fields are
    /// compared one by one.
    static func leaves(json v: Any, unit: String, path: String = "") -> [(path: String, source: String)] {
        switch v {
        case is NSNull: return []
        case let n as NSNumber: return [(path, napkinCell("\(n.doubleValue)", unit: unit))]
        case let s as String: return [(path, "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\"")]
        case let a as [Any]: return a.enumerated().flatMap { leaves(json: $1, unit: "", path: path + "[\($0)]") }
        case let d as [String: Any]:
            if d.count == 2, let n = d["value"] as? NSNumber, let u = d["unit"] as? String { return [(path, napkinCell("\(n.doubleValue)", unit: u))] }
            // A field by its key in quotes: the key need not be a name ("a b", "if").
            return d.keys.sorted().flatMap { leaves(json: d[$0]!, unit: "", path: path + "[\"" + $0.replacingOccurrences(of: "\"", with: "\\\"") + "\"]") }
        default: return []
        }
    }

    /// The exported cells (header unit applied) of each format, as napkin source per (row, column).
    static func exportedCells(_ format: String, _ out: String) throws -> [(row: Int, column: String, index: Int, path: String, source: String)] {
        var cells: [(Int, String, Int, String, String)] = []
        switch format {
        case "json":
            let doc = try #require(try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any])
            let columns = try #require(doc["columns"] as? [[String: String]])
            let rows = try #require(doc["rows"] as? [[String: Any]])
            for (r, row) in rows.enumerated() {
                for (i, c) in columns.enumerated() {
                    for leaf in leaves(json: row[c["name"]!] ?? NSNull(), unit: c["unit"]!) { cells.append((r, c["name"]!, i, leaf.path, leaf.source)) }
                }
            }
        default:
            let grid: [[String]] = format == "csv" ? parseCSV(out) : out.split(separator: "\n").enumerated().filter { $0.offset != 1 }.map { line in
                String(line.element.dropFirst(2).dropLast(2)).components(separatedBy: " | ")
            }
            let header = grid[0].map(Self.header)
            for (r, row) in grid.dropFirst().enumerated() {
                for (i, text) in row.enumerated() where !text.isEmpty {
                    // A top-level string cell is its text; anything else reads as napkin source.
                    cells.append((r, header[i].name, i, "", text == "text" ? "\"text\"" : napkinCell(text, unit: header[i].unit)))
                }
            }
        }
        return cells
    }

    @Test("every shape keeps full precision in CSV, JSON and Markdown: scalars, records, lists, mixed lists, nested cells, tables",
          arguments: ["csv", "json", "md"])
    func everyShapeKeepsItsPrecision(_ format: String) throws {
        for shape in Self.shapes {
            let r = try runNapkin(["--format", format, "-e", Self.definitions + shape.value])
            #expect(r.code == 0, "\(shape.name): \(r.err)")
            // No rounded display string anywhere: 1/3 kWh and 123456789.123456789 in full.
            #expect(!r.out.contains("0.3333 ") && !r.out.contains("1.235e8") && !r.out.contains("123.5 MW"), "\(shape.name) as \(format):\n\(r.out)")
            let cells = try Self.exportedCells(format, r.out)
            #expect(!cells.isEmpty, "\(shape.name) as \(format):\n\(r.out)")
            var program = Self.definitions + "let original = \(shape.value)\n"
            for cell in cells {
                program += "assert_eq(\(shape.access(cell.row, cell.column, cell.index))\(cell.path), \(cell.source), 5e-16)\n"
            }
            let check = try runNapkin(["-e", program + "print(\"read back \(cells.count)\")"])
            #expect(check.out == "read back \(cells.count)\n", "\(shape.name) as \(format): \(check.err)\n\(r.out)")
        }
    }

    @Test("--format writes scalars and lists too, with the unit in the header; md keeps the columns")
    func everyValue() throws {
        #expect(try runNapkin(["--format", "csv", "-e", "1 TB / 10 Gbit/s"]).out == "value [min]\n13.333333333333334\n")
        #expect(try runNapkin(["--format", "csv", "-e", "[1 m, 2 km]"]).out == "value [m]\n1\n2000\n")
        #expect(try runNapkin(["--format", "md", "-e", "{ a: 1 W, b: \"x|y\" }"]).out == "| a [W] | b |\n| ---: | --- |\n| 1 | x\\|y |\n")
        // A figure is not data: it is drawn as usual.
        #expect(try runNapkin(["--format", "csv", "-e", "bars { a: 1, b: 2 }"]).code == 0)
    }

    @Test(":export FILE writes the last result in the format of its extension; a bad extension is refused")
    func exportCommand() throws {
        let dir = try Self.temp("export")
        let start = dir.appendingPathComponent("start.lab")
        try "let s = \(Self.table)\n".write(to: start, atomically: true, encoding: .utf8)
        let csv = dir.appendingPathComponent("out.csv").path, json = dir.appendingPathComponent("out.json").path
        let r = try runNapkin(["-i", start.path], stdin: "s\n:export \(csv)\nwater_us_average\n:export \(json)\n:export \(dir.path)/out.txt\n")
        #expect(r.out.contains("wrote the last table to \(csv) as csv"))
        #expect(try String(contentsOfFile: csv, encoding: .utf8) == (try runNapkin(["--format", "csv", "-e", Self.table]).out))
        let doc = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: json))) as? [String: Any]
        #expect((doc?["rows"] as? [[String: Any]])?.first?["wue"] as? Double == 0.55)
        #expect(r.err.contains("say the format by the file's extension: .csv, .json or .md"))
    }

    // MARK: Sessions

    @Test("several -e run in order in one session; the first failure stops them with its exit code")
    func severalExpressions() throws {
        let r = try runNapkin(["-e", "let d = 1 TB", "-e", "d / 10 Gbit/s", "-e", "-3 W"])
        #expect(r.out == "13.33 min [Time]\n-3 W [Power]\n" && r.code == 0)
        let bad = try runNapkin(["-e", "1 m", "-e", "2 W + 3 J", "-e", "print(\"not reached\")"], environment: ["NO_COLOR": "1"])
        #expect(bad.code == 65 && bad.out == "1 m [Length]\n")
        #expect(bad.err.contains("<expr 2>:1:5"))
    }

    @Test("-i FILE runs the file, then the session continues with its definitions")
    func startFromFile() throws {
        let dir = try Self.temp("start")
        let file = dir.appendingPathComponent("lecture.lab")
        try "let rack = 40 kW \"one rack\"\nprint(\"ready\")\n".write(to: file, atomically: true, encoding: .utf8)
        let r = try runNapkin(["-i", file.path], stdin: "rack * 1 day -> MWh\n:info rack\n")
        #expect(r.code == 0, "\(r.err)")
        #expect(r.out.hasPrefix("ready\n"))
        #expect(r.out.contains("0.96 MWh [Energy]"))
        #expect(r.out.contains("one rack"))
        #expect(try runNapkin(["-i", dir.appendingPathComponent("missing.lab").path]).code == 64)
        #expect(try runNapkin(["-i", file.path, "-e", "1"]).code == 64)
        let mission = try runNapkin(["-i", repositoryRoot.appendingPathComponent("Samples/demos/jevons.lab").path])
        #expect(mission.code == 64 && mission.err.contains("is a lab mission"))
    }

    @Test("--lib DIR loads its .lab files in name order, everywhere; a broken one is reported with its path")
    func libraryFolder() throws {
        let dir = try Self.temp("lib")
        try "let my_gpu_power = 450 W \"our lab's GPUs (measured)\"\n".write(to: dir.appendingPathComponent("10_gpus.lab"), atomically: true, encoding: .utf8)
        try "let fleet_power = 8 * my_gpu_power\n".write(to: dir.appendingPathComponent("20_fleet.lab"), atomically: true, encoding: .utf8)
        try "not napkin\n".write(to: dir.appendingPathComponent("notes.txt"), atomically: true, encoding: .utf8)
        #expect(try runNapkin(["--lib", dir.path, "-e", "fleet_power * 1 h -> kWh"]).out == "3.6 kWh [Energy]\n")
        let info = try runNapkin(["info", "my_gpu_power", "--lib", dir.path], environment: ["NO_COLOR": "1"])
        #expect(info.out.contains("our lab's GPUs") && info.out.contains("10_gpus.lab:1"))
        #expect(try runNapkin(["--lib", dir.appendingPathComponent("nope").path, "-e", "1"]).code == 64)
        try "let broken = 2 W + 3 J\n".write(to: dir.appendingPathComponent("30_broken.lab"), atomically: true, encoding: .utf8)
        let bad = try runNapkin(["--lib", dir.path, "-e", "1"], environment: ["NO_COLOR": "1"])
        #expect(bad.code == 65 && bad.err.contains("30_broken.lab:1"))
    }

    @Test("the init file sets digits and colour for interactive sessions; --no-init and scripts skip it")
    func initFile() throws {
        let dir = try Self.temp("init")
        let config = dir.appendingPathComponent("napkin")
        try FileManager.default.createDirectory(at: config, withIntermediateDirectories: true)
        try ":digits 7\n:color on\nlet home_grid = germany\n".write(to: config.appendingPathComponent("init.lab"), atomically: true, encoding: .utf8)
        let empty = dir.appendingPathComponent("empty.lab")
        try "".write(to: empty, atomically: true, encoding: .utf8)
        let env = ["XDG_CONFIG_HOME": dir.path, "NO_COLOR": ""]
        let r = try runNapkin(["-i", empty.path], stdin: "1 TB / 10 Gbit/s\nhome_grid.name\n:reset\nhome_grid.name\n", environment: env)
        #expect(r.out.contains("\u{1B}[1m13.33333\u{1B}[0m"), "digits 7 and colour on: \(r.out.debugDescription)")
        #expect(r.out.components(separatedBy: "Germany").count == 3, "the init file runs again after :reset: \(r.out)")
        #expect(!r.out.contains("results now show"), "the init file's commands are quiet")
        let skipped = try runNapkin(["-i", empty.path, "--no-init"], stdin: "1 TB / 10 Gbit/s\n", environment: env)
        #expect(skipped.out == "13.33 min [Time]\n")
        #expect(try runNapkin(["-e", "1 TB / 10 Gbit/s"], environment: env).out == "13.33 min [Time]\n", "scripts are reproducible")
        try "let x = \n".write(to: config.appendingPathComponent("init.lab"), atomically: true, encoding: .utf8)
        let broken = try runNapkin(["-i", empty.path], stdin: "2 + 2\n", environment: env)
        #expect(broken.out.contains("4") && broken.err.contains("init.lab"), "a broken init file is reported; the session still starts")
    }

    @Test(":search finds names, descriptions and sources")
    func search() throws {
        let dir = try Self.temp("search")
        let empty = dir.appendingPathComponent("empty.lab")
        try "let my_pump = 3 kW \"the cooling loop's pump\"\n".write(to: empty, atomically: true, encoding: .utf8)
        let r = try runNapkin(["-i", empty.path, "--no-init"], stdin: ":search water\n:search Shehabi\n:search pump\n:search zzzqqq\n:search\n",
                              environment: ["NO_COLOR": "1"])
        #expect(r.out.contains("water_onsite"), "by name")
        #expect(r.out.contains("water_industry") && r.out.contains("source: "), "by source citation")
        #expect(r.out.contains("my_pump") && r.out.contains("cooling loop"), "your own definitions, by description")
        #expect(r.out.contains("nothing mentions 'zzzqqq'"))
        #expect(r.err.contains("usage: :search WORD"))
        // The same from the shell.
        let shell = try runNapkin(["search", "Shehabi"], environment: ["NO_COLOR": "1"])
        #expect(shell.code == 0 && shell.out.contains("water_industry"))
    }

    // MARK: Packaging

    @Test("--version names the commit it was built from")
    func version() throws {
        let r = try runNapkin(["--version"])
        #expect(r.out.range(of: #"^0\.1\.0 \(([0-9a-f]{12}|unknown commit)\)\n$"#, options: .regularExpression) != nil, "\(r.out)")
    }

    @Test("completions for bash, zsh and fish come from the argument parser and know the new options", arguments: ["bash", "zsh", "fish"])
    func completions(_ shell: String) throws {
        let r = try runNapkin(["--generate-completion-script", shell])
        #expect(r.code == 0)
        for word in ["run", "check", "ledger", "info", "lib", "no-init", "format", "csv", "json"] {
            #expect(r.out.contains(word), "the \(shell) completion does not know '\(word)'")
        }
    }

    @Test("every example in --help runs")
    func helpExamples() throws {
        let help = try runNapkin(["--help"]).out
        let examples = help.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { $0.hasPrefix("napkin ") || $0.contains("| napkin") }
            .map { line -> String in
                // Drop the shown result / comment after a run of spaces.
                guard let r = line.range(of: "   ") else { return line }
                return String(line[..<r.lowerBound])
            }
        #expect(examples.count >= 6, "\(help)")
        // In a folder of its own (a mission run writes its ledger there), with the samples at hand.
        let dir = try Self.temp("help")
        try FileManager.default.createSymbolicLink(at: dir.appendingPathComponent("Samples"), withDestinationURL: repositoryRoot.appendingPathComponent("Samples"))
        for example in examples {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/bin/sh")
            let errors = dir.appendingPathComponent("stderr")
            p.arguments = ["-c", example + " </dev/null >/dev/null 2>\(errors.path)"]
            var env = ProcessInfo.processInfo.environment
            env["PATH"] = productsDirectory.path + ":" + (env["PATH"] ?? "")
            env["XDG_CONFIG_HOME"] = "/nonexistent"
            p.environment = env
            p.currentDirectoryURL = dir
            try p.run()
            p.waitUntilExit()
            let stderr = (try? String(contentsOf: errors, encoding: .utf8)) ?? ""
            #expect(p.terminationStatus == 0 && stderr.isEmpty, "napkin --help example failed: \(example)\n\(stderr)")
        }
    }
}
