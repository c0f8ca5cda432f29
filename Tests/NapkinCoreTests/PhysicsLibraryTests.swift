import Foundation
import Testing
import NapkinCore
import NapkinLibrary

/// The physics library (Prelude/10_hardware.lab … 70_tracks.lab): published tables reproduced
/// from their inputs, textbook checks, and the library's own hygiene (sources, docs, names).
@Suite("Physics library")
struct PhysicsLibraryTests {

    // MARK: helpers

    /// The prelude files this library owns: every file of Prelude/ numbered 10 and up (below 10
    /// are the units), read from the folder so a new file (such as 65_sustainability) is covered
    /// without listing it.
    static let libraryFiles: [String] = {
        let dir = repoRoot.appendingPathComponent("Sources/NapkinLibrary/Prelude")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return names.filter { $0.hasSuffix(".lab") && (Int($0.prefix { $0.isNumber }) ?? 0) >= 10 }.map { String($0.dropLast(4)) }.sorted()
    }()

    enum Failure: Error, CustomStringConvertible {
        case napkin(String)
        var description: String { if case .napkin(let s) = self { return s }; return "" }
    }

    /// Runs `source` in a fresh prelude session on a large stack and returns every top-level result.
    static func results(_ source: String, session given: Session? = nil) throws -> [Value] {
        let outcome: Result<[Value], Failure> = Session.onLargeStack {
            do {
                let session = try given ?? Prelude.makeSession()
                var values: [Value] = []
                session.onResult = { values.append($0) }
                try session.run(source, name: "physics-test")
                return .success(values)
            } catch {
                return .failure(.napkin(error.rendered()))
            }
        }
        return try outcome.get()
    }

    /// The plain number of a dimensionless expression (divide by the unit you want first).
    static func number(_ expr: String, session: Session? = nil) throws -> Double {
        let values = try results(expr, session: session)
        guard case .quantity(let q)? = values.last, q.dim.isNone else {
            Issue.record("'\(expr)' did not give a plain number: \(String(describing: values.last))")
            return .nan
        }
        return q.value
    }

    /// The value of `expr` expressed in `unit` (e.g. value("ridge(h100)", "FLOP/B")).
    static func value(_ expr: String, in unit: String, session: Session? = nil) throws -> Double {
        try number("(\(expr)) / (1 \(unit))", session: session)
    }

    /// The printed form of `expr`, as the command line shows it.
    static func shown(_ expr: String) throws -> String {
        let outcome: Result<String, Failure> = Session.onLargeStack {
            do {
                let session = try Prelude.makeSession()
                var out = ""
                session.onResult = { v in out = (try? session.interpreter.describe(v)) ?? "?" }
                try session.run(expr, name: "physics-test")
                return .success(out)
            } catch {
                return .failure(.napkin(error.rendered()))
            }
        }
        return try outcome.get()
    }

    static func makeSession() throws -> Session {
        let outcome: Result<Session, Failure> = Session.onLargeStack {
            do { return .success(try Prelude.makeSession()) } catch { return .failure(.napkin(error.rendered())) }
        }
        return try outcome.get()
    }

    /// Half a unit in the last published digit: the rounding interval of a printed figure.
    static func half(_ decimals: Int) -> Double { 0.5 * pow(10, Double(-decimals)) }

    static func isLibraryGlobal(_ g: Global) -> Bool {
        guard let name = g.definition?.file?.name else { return false }
        return libraryFiles.contains { name.hasSuffix("\($0).lab") }
    }

    static var repoRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    // MARK: the names the issue requires

    static let requiredNames = [
        "h100", "h200", "a100", "b200", "v100", "tpu_v4", "orin", "orin_nx", "ar1", "ethos_u55", "green_npu", "hw",
        "norway", "quebec", "france", "germany", "california", "texas", "iowa", "us_average", "poland", "india",
        "hdd", "sata_ssd", "nvme", "nvme_gen5", "eth_10g", "eth_25g", "eth_100g", "wifi", "bluetooth", "lte",
        "truck", "air", "snowball", "csv", "json", "parquet", "protobuf",
        "e_mac_int8", "e_mac_fp16", "e_mac_fp32", "e_sram_read", "e_dram_read", "e_sram_byte", "e_dram_byte",
        "llama3_70b", "gpt3", "bert_base", "resnet50", "mobilenet_v2",
        "cloud_titan", "edge_guardian", "mobile_nomad", "tiny_pioneer",
        "ridge", "roofline", "energy_per_inference", "inferences_per_joule", "fleet_energy", "efficiency", "jevons",
        "carbon", "cue", "intensity", "embodied_share", "lifetime_carbon", "best_window", "region_shift",
        "transfer_time", "ship_time", "crossover_size", "cheaper_path", "pipeline_rate", "feeding_tax", "mfu",
        "phantom_load", "data_selection_energy", "transmission_energy",
    ]

    @Test("every name the physics-library issue requires is defined")
    func requiredNamesExist() throws {
        let session = try Self.makeSession()
        let missing = Self.requiredNames.filter { session.interpreter.globals[$0] == nil }
        #expect(missing.isEmpty, "missing library names: \(missing)")
        #expect(session.interpreter.globals["efficiency"]?.kind == .knob)
        #expect(session.interpreter.globals["jevons"]?.kind == .knob)
    }

    // MARK: headline figures

    @Test("ridge(h100) ≈ 295 FLOP/B and ridge(a100) ≈ 153 FLOP/B")
    func ridgePoints() throws {
        #expect(abs(try Self.value("ridge(h100)", in: "FLOP/B") - 295.2) < 0.1)
        #expect(abs(try Self.value("ridge(a100)", in: "FLOP/B") - 153.0) < 0.1)
        #expect(try Self.shown("ridge(h100)").hasPrefix("295.2 FLOP/B"))
        // Roofline: memory-bound below the ridge, compute-bound above it.
        #expect(abs(try Self.value("roofline(h100, 100 FLOP/B)", in: "TFLOPS") - 335) < 0.01)
        #expect(abs(try Self.value("roofline(h100, 1000 FLOP/B)", in: "TFLOPS") - 989) < 0.01)
    }

    @Test("carbon(1 MWh, poland) uses Poland's cited intensity and PUE")
    func polandCarbon() throws {
        // 1000 kWh × PUE 1.58 × 662 g/kWh = 1045.96 kg
        #expect(abs(try Self.value("carbon(1 MWh, poland)", in: "kgCO2e") - 1045.96) < 0.01)
        #expect(abs(try Self.value("carbon(1 MWh, poland) - 1 MWh * poland.pue * poland.intensity", in: "kgCO2e")) < 1e-9)
        #expect(try Self.shown("carbon(1 MWh, poland) -> kgCO2e") == "1046 kgCO2e [Carbon]")
        #expect(abs(try Self.value("carbon(1 MWh, poland) -> tCO2e", in: "tCO2e") - 1.04596) < 1e-5)
        #expect(abs(try Self.value("cue(poland)", in: "kgCO2e/kWh") - 1.04596) < 1e-5)
    }

    // MARK: published tables, reproduced from their inputs

    /// Patterson et al. 2021, Table 4: decimals printed for time (days), energy (MWh) and tCO2e.
    static let pattersonDecimals: [(days: Int, mwh: Int, tco2: Int)] = [(1, 1, 1), (0, 1, 1), (0, 0, 1), (1, 1, 1), (0, 0, 1), (1, 0, 1)]

    @Test("Patterson et al. 2021 Table 4: energy (MWh) and net/gross tCO2e for all six rows, within published rounding")
    func pattersonTable4() throws {
        let session = try Self.makeSession()
        #expect(try Self.number("len(patterson_table4)", session: session) == 6)
        for (i, dec) in Self.pattersonDecimals.enumerated() {
            let row = "patterson_table4[\(i)]"
            let chips = try Self.number("\(row).chips", session: session)
            let watts = try Self.value("\(row).power", in: "W", session: session)
            let days = try Self.value("\(row).time", in: "day", session: session)
            let pue = try Self.number("\(row).pue", session: session)
            let netI = try Self.value("\(row).intensity", in: "kgCO2e/kWh", session: session)
            let grossI = try Self.value("\(row).gross_intensity", in: "kgCO2e/kWh", session: session)
            let pubE = try Self.value("\(row).energy", in: "MWh", session: session)
            let pubNet = try Self.value("\(row).co2e", in: "tCO2e", session: session)
            let pubGross = try Self.value("\(row).gross_co2e", in: "tCO2e", session: session)

            // napkin's own functions compute the central value
            let energy = try Self.value("training_energy(\(row).chips, \(row).power, \(row).time, \(row).pue)", in: "MWh", session: session)
            let net = try Self.value("carbon(training_energy(\(row).chips, \(row).power, \(row).time), { pue: \(row).pue, intensity: \(row).intensity })", in: "tCO2e", session: session)
            let gross = try Self.value("carbon(training_energy(\(row).chips, \(row).power, \(row).time), { pue: \(row).pue, intensity: \(row).gross_intensity })", in: "tCO2e", session: session)
            #expect(abs(energy - chips * watts * days * 24 * pue / 1e6) < 1e-9 * energy)

            // The published inputs are themselves rounded (e.g. 3.1 days is 3.05…3.15): the table's
            // figure must lie within what its rounded inputs allow, widened by its own rounding.
            let dd = Self.half(dec.days), dw = 0.5, dp = 0.005, di = 0.0005
            let eLo = chips * (watts - dw) * (days - dd) * 24 * (pue - dp) / 1e6
            let eHi = chips * (watts + dw) * (days + dd) * 24 * (pue + dp) / 1e6
            #expect(energy >= eLo && energy <= eHi)
            let name = try Self.shown("\(row).name")
            #expect(pubE + Self.half(dec.mwh) >= eLo && pubE - Self.half(dec.mwh) <= eHi,
                    "\(name): published \(pubE) MWh outside \(eLo)…\(eHi) (napkin: \(energy))")
            #expect(pubNet + Self.half(dec.tco2) >= eLo * (netI - di) && pubNet - Self.half(dec.tco2) <= eHi * (netI + di),
                    "\(name): published \(pubNet) tCO2e (net) vs napkin \(net)")
            #expect(pubGross + Self.half(dec.tco2) >= eLo * (grossI - di) && pubGross - Self.half(dec.tco2) <= eHi * (grossI + di),
                    "\(name): published \(pubGross) tCO2e (gross) vs napkin \(gross)")
            // and napkin's central values are within 2% of the table
            #expect(abs(energy / pubE - 1) < 0.02, "\(name): \(energy) MWh vs \(pubE)")
            #expect(abs(net / pubNet - 1) < 0.02, "\(name): \(net) tCO2e vs \(pubNet)")
        }
        // The design example: GPT-3, 10,000 V100 × 330 W × 14.8 days × 1.10 × 0.429 → ~1287 MWh, ~552 tCO2e
        let gpt3 = try Self.value("carbon(training_energy(10000, 330 W, 14.8 days), { pue: 1.10, intensity: 429 gCO2e/kWh })", in: "tCO2e", session: session)
        #expect(abs(gpt3 - 552.1) < 1.5)
    }

    @Test("Strubell et al. 2019 Table 3: kWh = 1.58 × h × W / 1000 and lb CO2e = 0.954 × kWh, within published rounding")
    func strubellTable3() throws {
        let session = try Self.makeSession()
        let rows = Int(try Self.number("len(strubell_table3)", session: session))
        #expect(rows == 5)
        for i in 0..<rows {
            let row = "strubell_table3[\(i)]"
            let name = try Self.shown("\(row).name")
            let hours = try Self.value("\(row).time", in: "h", session: session)
            let watts = try Self.value("\(row).power", in: "W", session: session)
            let kwh = try Self.value("strubell_energy(\(row).time, \(row).power)", in: "kWh", session: session)
            let lbs = try Self.value("strubell_co2(strubell_energy(\(row).time, \(row).power))", in: "lbCO2e", session: session)
            let pubKwh = try Self.value("\(row).energy", in: "kWh", session: session)
            let pubLbs = try Self.value("\(row).co2e", in: "lbCO2e", session: session)
            #expect(abs(kwh - 1.58 * hours * watts / 1000) < 1e-9 * kwh)
            #expect(abs(lbs - 0.954 * kwh) < 1e-9 * lbs)
            // hours are printed as integers: ±0.5 h; published kWh and lb are integers: ±0.5
            let lo = 1.58 * (hours - 0.5) * (watts - 0.005) / 1000, hi = 1.58 * (hours + 0.5) * (watts + 0.005) / 1000
            #expect(pubKwh + 0.5 >= lo && pubKwh - 0.5 <= hi, "\(name): published \(pubKwh) kWh vs napkin \(kwh)")
            #expect(pubLbs + 0.5 >= 0.954 * lo && pubLbs - 0.5 <= 0.954 * hi, "\(name): published \(pubLbs) lb vs napkin \(lbs)")
            #expect(abs(kwh / pubKwh - 1) < 0.02, "\(name): \(kwh) kWh vs \(pubKwh)")
            #expect(abs(lbs / pubLbs - 1) < 0.02, "\(name): \(lbs) lb vs \(pubLbs)")
        }
        // the conversion unit itself: 1 lb = 0.45359237 kg
        #expect(abs(try Self.value("1 lbCO2e", in: "gCO2e") - 453.59237) < 1e-9)
    }

    // MARK: textbook formula checks

    @Test("1 PB over 100 Gb/s ≈ 22.2 h (80,000 s)")
    func petabyteTransfer() throws {
        #expect(abs(try Self.value("transfer_time(1 PB, 100 Gbit/s)", in: "s") - 80_000) < 1e-6)
        #expect(abs(try Self.value("transfer_time(1 PB, eth_100g)", in: "h") - 22.222) < 0.001)
        #expect(try Self.shown("transfer_time(1 PB, eth_100g) -> h") == "22.22 h [Time]")
    }

    @Test("DRAM read / FP32 multiply ≈ 173× (Horowitz 2014); a full FP32 MAC is mult + add")
    func dramVersusMultiply() throws {
        #expect(abs(try Self.number("e_dram_read / e_mult_fp32") - 173) < 0.5)
        #expect(abs(try Self.value("e_mac_fp32", in: "pJ") - 4.6) < 1e-9)
        #expect(abs(try Self.number("e_dram_read / e_mac_fp32") - 139.1) < 0.1)
        #expect(abs(try Self.value("e_mac_int8", in: "pJ") - 0.23) < 1e-9)
        #expect(abs(try Self.value("e_dram_byte", in: "pJ/B") - 160) < 1e-9)
    }

    @Test("efficiency = peak / power; green_npu is 10× h100")
    func efficiencies() throws {
        #expect(abs(try Self.value("h100.efficiency", in: "TFLOPS/W") - 989.0 / 700) < 1e-9)
        #expect(abs(try Self.number("green_npu.efficiency / h100.efficiency") - 10) < 1e-9)
        #expect(abs(try Self.value("energy_per_inference(h100, llama3_70b.flops)", in: "J/token") - 141.2e9 / (989e12 / 700)) < 1e-6)
        #expect(abs(try Self.number("inferences_per_joule(h100, resnet50.flops) * energy_per_inference(h100, resnet50.flops)") - 1) < 1e-12)
    }

    @Test("the design card's Jevons sweep runs as written and depends on hw")
    func jevonsSweep() throws {
        func sweep(_ hw: String) throws -> [Double] {
            let values = try Self.results("let hw = \(hw); sweep efficiency 1...10 < fleet_energy(jevons: 1.4) >")
            guard case .table(let t)? = values.last else { Issue.record("no table"); return [] }
            return t.column(t.columns.count - 1).compactMap { if case .quantity(let q) = $0 { return q.value } else { return nil } }
        }
        let orin = try sweep("orin"), h100 = try sweep("h100")
        #expect(orin.count == 10 && h100.count == 10)
        #expect(orin != h100)
        // E ∝ η^(ε−1): with ε = 1.4 the fleet's energy rises 10^0.4 ≈ 2.51× from η = 1 to 10 (backfire)
        if let first = orin.first, let last = orin.last { #expect(abs(last / first - pow(10, 0.4)) < 1e-9) }
        // ε = 0: 10× efficiency → 10× less energy; ε = 1: flat
        #expect(abs(try Self.number("fleet_energy(efficiency: 10, jevons: 0) / fleet_energy(efficiency: 1, jevons: 0)") - 0.1) < 1e-12)
        #expect(abs(try Self.number("fleet_energy(efficiency: 10, jevons: 1) / fleet_energy(efficiency: 1, jevons: 1)") - 1) < 1e-12)
        #expect(abs(try Self.number("rebound(10, 1.4)") - (0.9 - (1 - pow(10, 0.4))) / 0.9) < 1e-12)
    }

    @Test("the seeds' figures: 1 billion glasses at 10 mW = 10 MW, ~87.7 GWh a year")
    func seedFigures() throws {
        #expect(abs(try Self.value("phantom_load(mobile_nomad.fleet, mobile_nomad.idle_power)", in: "MW") - 10) < 1e-9)
        #expect(abs(try Self.value("phantom_energy(mobile_nomad.fleet, mobile_nomad.idle_power, 365 days)", in: "GWh") - 87.6) < 1e-9)
        #expect(abs(try Self.number("cloud_titan.power_cap / cloud_titan.facility_power") - 0.8) < 1e-12)
        #expect(abs(try Self.value("tiny_pioneer.lifetime", in: "years") - 5) < 1e-12)
        #expect(abs(try Self.value("edge_guardian.loop_deadline", in: "ms") - 10) < 1e-12)
    }

    @Test("carbon-aware scheduling: a 30% cut within 48 h is reachable; fibre latency at 200,000 km/s")
    func scheduling() throws {
        let session = try Self.makeSession()
        #expect(try Self.number("best_window(california, 6 h, 48 h).reduction", session: session) >= 0.30)
        #expect(try Self.value("best_window(california, 6 h, 48 h).delay", in: "h", session: session) <= 48)
        #expect(try Self.number("best_window(poland, 6 h, 48 h).reduction", session: session) < 0.05)  // flat coal grid
        #expect(try Self.number("best_window(california, 6 h, 6 h).reduction", session: session) == 0)  // no slack, no gain
        #expect(abs(try Self.value("region_shift(poland, norway, 1000 km, 6 h, 6 h).latency", in: "ms", session: session) - 10) < 1e-9)
        #expect(try Self.number("region_shift(poland, norway, 1000 km, 6 h, 6 h).reduction", session: session) > 0.9)
        #expect(abs(try Self.value("intensity(germany, 12) - intensity(germany, 36)", in: "gCO2e/kWh", session: session)) < 1e-12)
    }

    @Test("data gravity, feeding tax and the crossover")
    func dataMovement() throws {
        let session = try Self.makeSession()
        #expect(abs(try Self.number("feeding_tax(850, 5300)", session: session) - (1 - 850.0 / 5300)) < 1e-12)
        #expect(try Self.number("feeding_tax(6000, 5300)", session: session) == 0)
        let ship = try Self.value("ship_time(1000 km, truck)", in: "h", session: session)
        #expect(abs(ship - (24 + 1000.0 / 65)) < 1e-9)
        #expect(abs(try Self.value("crossover_size(10 Gbit/s, ship_time(1000 km))", in: "TB", session: session) - 1.25e-3 * ship * 3600) < 1e-6)
        #expect(try Self.shown("cheaper_path(1 PB, 1000 km, 10 Gbit/s).winner") == "ship")
        #expect(try Self.shown("cheaper_path(1 TB, 1000 km, 10 Gbit/s).winner") == "network")
        #expect(abs(try Self.value("transmission_energy(1 MB, bluetooth)", in: "J", session: session) - 8e6 * 0.57e-6) < 1e-9)
        // json → protobuf doubles per-core decode throughput per sample
        #expect(abs(try Self.number("pipeline_rate(protobuf, 1, nvme, 1 MB) / pipeline_rate(json, 1, nvme, 1 MB)", session: session) - 2) < 1e-9)
        #expect(abs(try Self.number("mfu(3000 token/s, llama3_70b.flops, h100)", session: session) - 3000 * 141.2e9 / 989e12) < 1e-12)
        #expect(abs(try Self.value("data_selection_energy(1e6, 1 J, keep: 0.1, select_per_sample: 0.01 J)", in: "kJ", session: session) - 110) < 1e-9)
    }

    // MARK: hygiene: sources, docs, structure, documentation

    /// Every record reachable from a global (records nested in lists and in other records too).
    static func walk(_ v: Value, _ path: String, _ visit: (Record, String) -> Void) {
        switch v {
        case .record(let r):
            visit(r, path)
            for (k, x) in zip(r.keys, r.values) { walk(x, "\(path).\(k)", visit) }
        case .list(let items):
            for (i, x) in items.enumerated() { walk(x, "\(path)[\(i)]", visit) }
        default: break
        }
    }

    @Test("every record in the library has a non-empty source")
    func everyRecordHasASource() throws {
        let session = try Self.makeSession()
        var missing: [String] = []
        var count = 0
        for (name, g) in session.interpreter.globals {
            Self.walk(g.value, name) { r, path in
                count += 1
                guard case .string(let s)? = r["source"], !s.trimmingCharacters(in: .whitespaces).isEmpty else {
                    missing.append(path); return
                }
            }
        }
        #expect(count > 40)
        #expect(missing.isEmpty, "records without a source: \(missing.sorted())")
    }

    @Test("every global the library defines has a doc (scalar constants: their citation)")
    func everyGlobalHasADoc() throws {
        let session = try Self.makeSession()
        var undocumented: [String] = []
        var scalars = 0
        for (name, g) in session.interpreter.globals where Self.isLibraryGlobal(g) {
            let doc = g.doc ?? g.knob?.doc ?? ""
            if case .quantity = g.value { scalars += 1 }
            if doc.trimmingCharacters(in: .whitespaces).isEmpty { undocumented.append(name) }
        }
        #expect(scalars > 30)
        #expect(undocumented.isEmpty, "library globals without a doc string: \(undocumented.sorted())")
    }

    @Test("records have the fields the issue lists; profiles have 24 hours averaging to the annual mean")
    func recordShapes() throws {
        let session = try Self.makeSession()
        func keys(_ name: String) -> [String] {
            guard case .record(let r)? = session.interpreter.globals[name]?.value else { return [] }
            return r.keys
        }
        func check(_ names: [String], _ fields: [String]) {
            for n in names {
                let k = keys(n)
                let absent = fields.filter { !k.contains($0) }
                #expect(absent.isEmpty, "\(n) lacks \(absent)")
            }
        }
        check(["h100", "h200", "a100", "b200", "v100", "tpu_v4", "orin", "orin_nx", "ar1", "ethos_u55", "green_npu"],
              ["name", "peak", "mem_bw", "mem", "power", "idle_power", "efficiency", "embodied", "price", "source"])
        check(["h100", "h200", "b200"], ["peak_fp16", "peak_bf16", "peak_fp8", "peak_int8"])
        let regions = ["norway", "quebec", "france", "germany", "california", "texas", "iowa", "us_average", "poland", "india"]
        check(regions, ["name", "intensity", "profile", "pue", "renewable", "source"])
        check(["hdd", "sata_ssd", "nvme", "nvme_gen5"], ["bw", "source"])
        check(["eth_10g", "eth_25g", "eth_100g", "wifi", "bluetooth", "lte"], ["bw", "energy_per_bit", "source"])
        check(["truck", "air", "snowball"], ["speed", "handling", "source"])
        check(["csv", "json", "parquet", "protobuf"], ["decode_rate", "size_factor", "source"])
        check(["llama3_70b", "gpt3", "bert_base", "resnet50", "mobilenet_v2"], ["params", "flops", "source"])
        check(["cloud_titan", "edge_guardian", "mobile_nomad", "tiny_pioneer"], ["name", "hardware", "fleet", "north_star", "crisis", "source"])
        for r in regions {
            #expect(try Self.number("len(\(r).profile)", session: session) == 24)
            let ratio = try Self.number("mean(\(r).profile) / \(r).intensity", session: session)
            #expect(abs(ratio - 1) < 0.01, "\(r): mean of profile / intensity = \(ratio)")
        }
        // the solar grid dips at midday, the coal grid is flat
        #expect(try Self.number("intensity(california, 12) / intensity(california, 19)", session: session) < 0.6)
        #expect(try Self.number("max(poland.profile) / min(poland.profile)", session: session) < 1.05)
    }

    @Test("docs/physics.md names every library global, so it cannot drift from the prelude")
    func documentationCoversLibrary() throws {
        let doc = try String(contentsOf: Self.repoRoot.appendingPathComponent("docs/physics.md"), encoding: .utf8)
        let session = try Self.makeSession()
        let names = session.interpreter.globals.filter { Self.isLibraryGlobal($0.value) }.map(\.key)
        #expect(names.count > 100)
        let undocumented = names.filter { !doc.contains("`\($0)`") }
        #expect(undocumented.isEmpty, "docs/physics.md does not mention: \(undocumented.sorted())")
        // and it names no library global that no longer exists
        let pattern = try Regex<(Substring, Substring)>("`([a-z][a-z0-9_]*)`")
        let documented = Set(doc.matches(of: pattern).map { String($0.output.1) })
        let defined = Set(session.interpreter.globals.keys)
        let stale = documented.filter { name in
            !defined.contains(name) && doc.contains("| `\(name)` |")
        }
        #expect(stale.isEmpty, "docs/physics.md lists names the prelude no longer defines: \(stale.sorted())")
    }
}

private extension Error {
    func rendered() -> String { String(describing: self) }
}
