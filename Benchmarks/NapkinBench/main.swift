// napkin's benchmarks. Run: swift run -c release napkin-bench [--quick]
//
// Each figure is reported beside a reference measured in the same invocation, as a ratio, so
// results compare across machines: the sweep against the same formula hand-written in Swift,
// start-up against spawning `/bin/true`, prelude parsing against reading its bytes.
import CVectorMath
import Foundation
import NapkinCore
import NapkinLibrary
import Synchronization

let quick = CommandLine.arguments.contains("--quick")

func now() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
}

/// Median wall time of `runs` calls.
func median(_ runs: Int, _ body: () throws -> Void) rethrows -> Double {
    var times: [Double] = []
    for _ in 0..<runs {
        let t0 = now()
        try body()
        times.append(now() - t0)
    }
    times.sort()
    return times[times.count / 2]
}

func peakRSSMiB() -> Double {
    var u = rusage()
    getrusage(RUSAGE_SELF.rawValue, &u)
    return Double(u.ru_maxrss) / 1024
}

func fmt(_ x: Double, _ d: Int = 3) -> String { String(format: "%.\(d)g", x) }

var rows: [(String, String, String, String)] = []
func report(_ what: String, _ napkin: String, _ reference: String, _ ratio: String) {
    rows.append((what, napkin, reference, ratio))
}

// MARK: 0. Issue 17's sweeps: blocks of points (all cores, one core) against point by point and
// compiled Swift. `--sweeps` prints only these, as `sweep NAME napkin=SECONDS napkin1=SECONDS
// pointwise=SECONDS swift=SECONDS …` lines, for bench/compare.sh (which times numpy and pint on
// the same formulas).

let sweepsOnly = CommandLine.arguments.contains("--sweeps")
let sweepPoints = quick ? 100_000 : 1_000_000
let sweepSession = try Prelude.makeSession()
sweepSession.interpreter.limits.maxSweepPoints = 100_000_000
var sweepResult: Value = .nothing
sweepSession.onResult = { sweepResult = $0 }

/// Median times of a napkin line in each configuration (blocks on, cores) and of a Swift loop,
/// taken in turn within each round so that a machine whose speed drifts (other work on it)
/// slows them all alike; the line runs on a large stack, as the command line runs it. The
/// napkin values come from the last round.
func timeInTurn(_ source: String, _ configs: [(blocks: Bool, cores: Int)], swift: () -> Double, runs: Int) throws
    -> (napkin: [(Double, Value)], swift: (Double, Double)) {
    var times = [[Double]](repeating: [], count: configs.count + 1)
    var values = [Value](repeating: .nothing, count: configs.count)
    var swiftValue = 0.0
    for _ in 0..<runs {
        for (k, c) in configs.enumerated() {
            sweepSession.interpreter.sweepBlocks = c.blocks
            sweepSession.interpreter.cores = c.cores
            let t0 = now()
            try Session.onLargeStack { () -> Result<Void, Error> in
                do { try sweepSession.run(source, name: "<bench>"); return .success(()) } catch { return .failure(error) }
            }.get()
            times[k].append(now() - t0)
            values[k] = sweepResult
        }
        let t0 = now()
        swiftValue = swift()
        times[configs.count].append(now() - t0)
    }
    sweepSession.interpreter.sweepBlocks = true
    sweepSession.interpreter.cores = Interpreter.defaultCores
    let medians = times.map { $0.sorted()[$0.count / 2] }
    return (zip(medians, values).map { ($0, $1) }, (medians[configs.count], swiftValue))
}
func siValue(_ source: String) throws -> Double {
    try sweepSession.run(source, name: "<bench>")
    guard case .quantity(let q) = sweepResult else { fatalError("\(source) is not a quantity") }
    return q.value
}

// fleet_energy's formula with h100's figures, the prelude's knob defaults and 1 year, in SI.
let fleetConstants = (fleet: 1000.0, growth: try siValue("growth"), power: try siValue("h100.power"),
                      idle: try siValue("h100.idle_power"), util: 1.0, time: try siValue("1 year"), jevons: 1.4)
@inline(never) func swiftFleet(_ n: Int, _ c: (fleet: Double, growth: Double, power: Double, idle: Double, util: Double, time: Double, jevons: Double)) -> Double {
    var total = 0.0
    for i in 1...n {
        total += c.fleet * c.growth * (c.util * c.power + (1 - c.util) * c.idle) * c.time * pow(Double(i), c.jevons - 1)
    }
    return total
}
@inline(never) func swiftRate(_ n: Int, _ three: Double, _ two: Double) -> Double {
    var total = 0.0
    for i in 1...n { total += Double(i) * three / two }
    return total
}

var sweepSink = 0.0
let issueSweeps: [(name: String, source: String, swift: () -> Double)] = [
    ("fleet_energy", "sum(sweep x 1...\(sweepPoints) < fleet_energy(efficiency: x, jevons: 1.4) >)", { swiftFleet(sweepPoints, fleetConstants) }),
    ("x*3J/2s", "sum(sweep x 1...\(sweepPoints) < x * 3 J / 2 s >)", { swiftRate(sweepPoints, 3, 2) }),
]
if sweepsOnly {
    let c = fleetConstants
    print("constants fleet=\(c.fleet) growth=\(c.growth) power=\(c.power) idle=\(c.idle) util=\(c.util) time=\(c.time) jevons=\(c.jevons)")
}
for sweep in issueSweeps {
    let runs = quick ? 3 : 9
    let timed = try timeInTurn(sweep.source, [(true, 1), (true, Interpreter.defaultCores), (false, 1)], swift: sweep.swift, runs: runs)
    let (oneCoreTime, oneCoreValue) = timed.napkin[0], (blockTime, blockValue) = timed.napkin[1], (pointTime, pointValue) = timed.napkin[2]
    let (swiftTime, swiftValue) = timed.swift
    sweepSink += swiftValue
    // Blocks must give the very bits of point by point; the Swift loop, the same sum near enough.
    if "\(oneCoreValue)" != "\(blockValue)" { print("warning: \(sweep.name): 1 core gives \(oneCoreValue), all cores \(blockValue)") }
    if "\(blockValue)" != "\(pointValue)" { print("warning: \(sweep.name): blocks give \(blockValue), point by point \(pointValue)") }
    if case .quantity(let q) = blockValue, abs(q.value - swiftValue) > 1e-9 * abs(swiftValue) {
        print("warning: \(sweep.name): napkin \(q.value), compiled Swift \(swiftValue)")
    }
    if sweepsOnly {
        print("sweep \(sweep.name) napkin=\(blockTime) napkin1=\(oneCoreTime) pointwise=\(pointTime) swift=\(swiftTime) points=\(sweepPoints) cores=\(Interpreter.defaultCores)")
    } else {
        report("sum of \(sweepPoints) points of \(sweep.name), blocks, 1 core", "\(fmt(Double(sweepPoints) / oneCoreTime)) points/s",
               "\(fmt(Double(sweepPoints) / swiftTime)) points/s (compiled Swift)", "\(fmt(oneCoreTime / swiftTime))× slower")
        report("  same, blocks on \(Interpreter.defaultCores) cores", "\(fmt(Double(sweepPoints) / blockTime)) points/s",
               "\(fmt(Double(sweepPoints) / swiftTime)) points/s (compiled Swift, 1 core)", "\(fmt(blockTime / swiftTime))×")
        report("  same, point by point", "\(fmt(Double(sweepPoints) / pointTime)) points/s", "blocks \(fmt(pointTime / blockTime))× faster",
               "\(fmt(pointTime / swiftTime))× slower")
    }
}
if sweepsOnly { if sweepSink == 42 { print("") }; exit(0) }

// MARK: 1. Sweep throughput: a library-style function of ~8 operations with units per point.

let points = quick ? 100_000 : 1_000_000
let program = """
knob bench_eff = 1 in 1...10000000 "efficiency"
let bench_hw = { power: 60 W, idle: 15 W, peak: 275 TFLOPS }
fn bench_fleet(hw = bench_hw, eff = bench_eff, jevons = 1.4, fleet = 10000, util = 0.7) = fleet * (util * hw.power + (1 - util) * hw.idle) * 1 year * eff ^ (jevons - 1)
"""
let session = try Prelude.makeSession()
session.interpreter.limits.maxSweepPoints = 100_000_000
try session.run(program, name: "<bench>")
var napkinResult: Value = .nothing
session.onResult = { napkinResult = $0 }
let sweepSource = "sum(sweep bench_eff 1...\(points) < bench_fleet(eff: bench_eff, jevons: 1.4) >)"
let napkinTime = try Session.onLargeStack { () -> Result<Double, Error> in
    do { return .success(try median(5) { try session.run(sweepSource, name: "<bench>") }) } catch { return .failure(error) }
}.get()

// The same formula in plain Swift, in SI base units.
@inline(never) func referenceSweep(_ n: Int) -> Double {
    let power = 60.0, idle = 15.0, year = 365.25 * 86400, fleet = 10000.0, util = 0.7
    var total = 0.0
    for i in 1...n {
        total += fleet * (util * power + (1 - util) * idle) * year * pow(Double(i), 1.4 - 1)
    }
    return total
}
var sink = 0.0
let referenceTime = median(11) { sink += referenceSweep(points) }
let pointsPerSecond = Double(points) / napkinTime
report("sweep of \(points) points (sum of a 8-op unit formula)", "\(fmt(pointsPerSecond)) points/s",
       "\(fmt(Double(points) / referenceTime)) points/s (compiled Swift)", "\(fmt(napkinTime / referenceTime))× slower")
if case .quantity(let q) = napkinResult {
    let rel = abs(q.value - referenceSweep(points)) / abs(q.value)
    if rel > 1e-9 { print("warning: napkin and the reference disagree (relative \(rel))") }
}

// MARK: 2. Prelude: parse + check of every prelude file, against reading its bytes.

let sources = Prelude.files
// Parsing needs the prelude's unit names, so parse against a session that has loaded it.
let loaded = try Prelude.makeSession()
let parseTime = try median(quick ? 5 : 20) {
    for f in sources { _ = try loaded.parse(f.source, name: f.name) }
}
let loadTime = try median(quick ? 5 : 20) { _ = try Prelude.makeSession() }
let sourceLoadTime = try median(quick ? 5 : 20) { _ = try Prelude.makeSessionFromSource() }
let bytes = sources.reduce(0) { $0 + $1.source.utf8.count }
let copyTime = median(quick ? 5 : 20) { sink += Double(sources.map { Array($0.source.utf8).count }.reduce(0, +)) }
report("prelude parse+check (\(sources.count) files, \(bytes / 1024) KiB)", "\(fmt(parseTime * 1000)) ms",
       "\(fmt(copyTime * 1000)) ms (copy its bytes)", "\(fmt(parseTime / max(copyTime, 1e-9)))×")
report("prelude load from its archive (trees decoded once per process; evaluate)", "\(fmt(loadTime * 1000)) ms",
       "\(fmt(sourceLoadTime * 1000)) ms (parse, check, evaluate)", "\(fmt(sourceLoadTime / loadTime))× faster")

// MARK: 3. Start-up of the binary against spawning /bin/true.

/// posix_spawn and wait: Foundation's Process adds tens of milliseconds of its own.
func spawn(_ path: String, _ args: [String]) throws {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
    let argv = ([path] + args).map { strdup($0) } + [nil]
    defer { for a in argv { free(a) } }
    var pid: pid_t = 0
    guard posix_spawn(&pid, path, &actions, nil, argv, environ) == 0 else { throw CocoaError(.fileNoSuchFile) }
    var status: Int32 = 0
    waitpid(pid, &status, 0)
}

/// Peak memory of one run, from GNU time (a spawned child's own rusage would also count the
/// memory of this process, which it starts out sharing).
func peakMemoryMiB(_ path: String, _ args: [String]) -> Double? {
    let time = "/usr/bin/time"
    guard FileManager.default.isExecutableFile(atPath: time) else { return nil }
    let p = Process()
    p.executableURL = URL(fileURLWithPath: time)
    p.arguments = ["-f", "%M", path] + args
    let err = Pipe()
    p.standardError = err
    p.standardOutput = FileHandle.nullDevice
    guard (try? p.run()) != nil else { return nil }
    p.waitUntilExit()
    let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    return text.split(separator: "\n").last.flatMap { Double($0.trimmingCharacters(in: .whitespaces)) }.map { $0 / 1024 }
}
let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("napkin").path
if FileManager.default.isExecutableFile(atPath: binary) {
    let trueTime = try median(quick ? 5 : 21) { try spawn("/bin/true", []) }
    let startup = try median(quick ? 5 : 21) { try spawn(binary, ["-e", "1 TB / 10 Gbit/s"]) }
    report("start-up: napkin -e '1 TB / 10 Gbit/s'", "\(fmt(startup * 1000)) ms", "\(fmt(trueTime * 1000)) ms (/bin/true)",
           "\(fmt(startup / trueTime))×")
    if let peak = peakMemoryMiB(binary, ["-e", "1 TB / 10 Gbit/s"]) {
        report("peak memory of that start-up", "\(fmt(peak)) MiB", "", "")
    }
} else {
    print("(build the napkin product in the same configuration to measure start-up: swift build -c release)")
}

// MARK: 3b. Start-up against GNU units, the same question, in turn (A B A B ...).

/// Wall and CPU (user + sys) seconds of one run of a command, its output thrown away.
func timedSpawn(_ path: String, _ args: [String]) throws -> (wall: Double, cpu: Double) {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
    let argv = ([path] + args).map { strdup($0) } + [nil]
    defer { for a in argv { free(a) } }
    var pid: pid_t = 0
    let t0 = now()
    guard posix_spawn(&pid, path, &actions, nil, argv, environ) == 0 else { throw CocoaError(.fileNoSuchFile) }
    var status: Int32 = 0
    var usage = rusage()
    wait4(pid, &status, 0, &usage)
    let wall = now() - t0
    func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
    return (wall, seconds(usage.ru_utime) + seconds(usage.ru_stime))
}

func medianOf(_ xs: [Double]) -> Double { xs.sorted()[xs.count / 2] }

let unitsPath = ["/usr/bin/units", "/usr/local/bin/units"].first { FileManager.default.isExecutableFile(atPath: $0) }
if FileManager.default.isExecutableFile(atPath: binary), let unitsPath {
    var napkinRuns: [(wall: Double, cpu: Double)] = [], unitsRuns: [(wall: Double, cpu: Double)] = []
    for _ in 0..<(quick ? 7 : 31) {
        napkinRuns.append(try timedSpawn(binary, ["-e", "1 TB / 10 Gbit/s"]))
        unitsRuns.append(try timedSpawn(unitsPath, ["-t", "1 TB / (10 Gbit/s)", "min"]))
    }
    let nWall = medianOf(napkinRuns.map(\.wall)), uWall = medianOf(unitsRuns.map(\.wall))
    let nCPU = medianOf(napkinRuns.map(\.cpu)), uCPU = medianOf(unitsRuns.map(\.cpu))
    report("start-up vs GNU units, wall (in turn)", "\(fmt(nWall * 1000)) ms", "\(fmt(uWall * 1000)) ms (units -t)", "\(fmt(nWall / uWall))×")
    report("start-up vs GNU units, CPU (user + sys)", "\(fmt(nCPU * 1000)) ms", "\(fmt(uCPU * 1000)) ms (units -t)", "\(fmt(nCPU / max(uCPU, 1e-6)))×")
} else if unitsPath == nil {
    print("(GNU units is not installed: start-up is not compared with it)")
}

// MARK: 3c. `napkin check` of both seed labs, every track.

let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
for lab in ["04_data_engr", "15_sustainable_ai"] {
    let path = repo.appendingPathComponent("Samples/\(lab).lab").path
    guard FileManager.default.isExecutableFile(atPath: binary), FileManager.default.fileExists(atPath: path) else { continue }
    let runs = try (0..<(quick ? 1 : 3)).map { _ in try timedSpawn(binary, ["check", path, "--all-tracks"]) }
    report("napkin check \(lab).lab --all-tracks", "\(fmt(medianOf(runs.map(\.wall)) * 1000)) ms wall",
           "\(fmt(medianOf(runs.map(\.cpu)) * 1000)) ms CPU", "")
}

// MARK: 4. Memory: a reduced sweep of many points.

let before = peakRSSMiB()
let bigPoints = quick ? 1_000_000 : 10_000_000
try Session.onLargeStack { () -> Result<Void, Error> in
    do { try session.run("min(sweep bench_eff 1...\(bigPoints) < bench_fleet(eff: bench_eff) >)", name: "<bench>"); return .success(()) }
    catch { return .failure(error) }
}.get()
report("peak memory, min of a \(bigPoints)-point sweep", "\(fmt(peakRSSMiB())) MiB peak", "\(fmt(before)) MiB before it", "+\(fmt(peakRSSMiB() - before)) MiB")

// MARK: 5. A sweep of sweeps on one core and on all of them (results must be identical).

let grid = quick ? 300 : 1000
let gridSource = "min(sweep bench_eff 1...\(grid) < min(sweep bench_j 1...\(grid) < bench_fleet(eff: bench_eff, jevons: 1 + bench_j / \(grid)) >) >)"
try session.run("knob bench_j = 1 in 1...100000 \"jevons step\"", name: "<bench>")
var gridResults: [Int: String] = [:]
// Rounds of one core, then all cores twice, so that a machine whose speed drifts (a virtual
// machine's neighbours) slows both alike; medians are compared. The first run on all cores
// starts threads that have slept through the one-core run (a second core of a virtual
// machine wakes slowly after a pause); the second runs straight after, as the next line of a
// script would.
var gridRuns: [String: [Double]] = [:]
let allCores = Interpreter.defaultCores

/// The same work in compiled Swift: `outer` inner sweeps of `n` points, napkin's own vector
/// `pow` over each one's exponents, taken four at a time by `threads` threads. It tells how much
/// this machine gives two threads at the moment: a virtual machine's second vCPU is not always
/// there (compiled code gained 1.26× to 2.0× here from one run to the next; `bench/grid_scaling.c`
/// measures the same in C). The threads are started and spinning before the clock starts; the
/// grid is ten times napkin's, so that a vCPU paused for a moment counts less. Seconds per `n`
/// outer points.
func referenceGrid(_ n: Int, outer: Int, threads: Int) -> Double {
    let c = 10000 * (0.7 * 60.0 + 0.3 * 15.0) * 31_557_600.0
    let exponents = (1...n).map { Double($0) / Double(n) }
    let mins = UnsafeMutablePointer<Double>.allocate(capacity: outer)
    defer { mins.deallocate() }
    let next = Atomic<Int>(0), ready = Atomic<Int>(0), go = Atomic<Bool>(false), finished = Atomic<Int>(0)
    let work = {
        var out = [Double](repeating: 0, count: n)
        while true {
            let from = next.wrappingAdd(4, ordering: .relaxed).oldValue
            if from >= outer { break }
            for a in from..<min(from + 4, outer) {
                out.withUnsafeMutableBufferPointer { napkin_pow_sv(Double(a % n + 1), exponents, $0.baseAddress!, n) }
                var m = Double.infinity
                for y in out { m = min(m, c * y) }
                mins[a] = m
            }
        }
        finished.add(1, ordering: .releasing)
    }
    for _ in 1..<threads {
        Thread {
            ready.add(1, ordering: .releasing)
            while !go.load(ordering: .acquiring) {}
            work()
        }.start()
    }
    while ready.load(ordering: .acquiring) < threads - 1 {}
    let t0 = now()
    go.store(true, ordering: .releasing)
    work()
    while finished.load(ordering: .acquiring) < threads {}
    var m = Double.infinity
    for a in 0..<outer { m = min(m, mins[a]) }
    let t = now() - t0
    sweepSink += m
    return t * Double(n) / Double(outer)
}
var referenceRuns: [String: [Double]] = [:]
for _ in 0..<(quick ? 3 : 9) {
    for (key, threads) in [("one", 1), ("all", allCores)] {
        referenceRuns[key, default: []].append(referenceGrid(grid, outer: 10 * grid, threads: threads))
    }
    for (key, cores) in [("one", 1), ("cold", allCores), ("warm", allCores)] {
        session.interpreter.cores = cores
        let t = try Session.onLargeStack { () -> Result<Double, Error> in
            do { return .success(try median(1) { try session.run(gridSource, name: "<bench>") }) } catch { return .failure(error) }
        }.get()
        gridRuns[key, default: []].append(t)
        gridResults[cores] = "\(napkinResult)"
    }
}
let gridPoints = Double(grid * grid)
let (oneCore, cold, warm) = (medianOf(gridRuns["one"]!), medianOf(gridRuns["cold"]!), medianOf(gridRuns["warm"]!))
report("sweep of sweeps, \(grid)×\(grid) points, \(allCores) cores", "\(fmt(gridPoints / warm)) points/s",
       "\(fmt(gridPoints / oneCore)) points/s (1 core)", "\(fmt(oneCore / warm))× faster")
let (refOne, refAll) = (medianOf(referenceRuns["one"]!), medianOf(referenceRuns["all"]!))
report("  compiled Swift, same work and vector pow, \(allCores) threads", "\(fmt(gridPoints / refAll)) points/s",
       "\(fmt(gridPoints / refOne)) points/s (1 thread)", "\(fmt(refOne / refAll))× faster")
report("  napkin's gain beside compiled code's (1: spreads as well)", "\(fmt(oneCore / warm))×",
       "\(fmt(refOne / refAll))×", "\(fmt((oneCore / warm) / (refOne / refAll)))")
report("  same, right after a one-core run", "\(fmt(gridPoints / cold)) points/s",
       "\(fmt(gridPoints / oneCore)) points/s (1 core)", "\(fmt(oneCore / cold))× faster")
if gridResults[1] != gridResults[allCores] { print("warning: one core and \(allCores) cores disagree: \(gridResults)") }

// MARK: 6. A kept table: bytes per row per numeric column.

/// Peak memory of the napkin binary running `source` as a script (nil without the binary or GNU time).
func scriptPeakMiB(_ source: String) -> Double? {
    guard FileManager.default.isExecutableFile(atPath: binary) else { return nil }
    let path = NSTemporaryDirectory() + "napkin-bench-\(getpid()).lab"
    guard (try? source.write(toFile: path, atomically: true, encoding: .utf8)) != nil else { return nil }
    defer { try? FileManager.default.removeItem(atPath: path) }
    return peakMemoryMiB(binary, [path])
}
// The same script keeping a 2-row table and a 10⁶-row one: the difference is the table.
let keptRows = quick ? 100_000 : 1_000_000
let keepSource = { (n: Int) in "let t = sweep x 1...\(n) < x * 2 W, x * 3 J >\nlen(t)\n" }
if let small = scriptPeakMiB(keepSource(2)), let big = scriptPeakMiB(keepSource(keptRows)) {
    let perCell = (big - small) * 1_048_576 / Double(keptRows * 3)
    report("kept table, \(keptRows) rows × 3 numeric columns", "\(fmt(perCell)) bytes per row per column",
           "8 (one Double)", "\(fmt(perCell / 8))×")
}

// MARK: 7. Plotting a 10⁷-row table: peak memory of the whole run.

let plotRows = quick ? 1_000_000 : 10_000_000
if let peak = scriptPeakMiB("let t = sweep x 1...\(plotRows) < x * 2 W >\nplot(t)\n") {
    report("peak memory, plot of a kept \(plotRows)-row table", "\(fmt(peak)) MiB", "\(fmt(Double(plotRows * 16) / 1_048_576)) MiB (its 2 columns of Doubles)", "")
}

// MARK: Report

let widths = [0, 1, 2, 3].map { i in rows.map { [$0.0, $0.1, $0.2, $0.3][i].count }.max()! }
func line(_ cells: [String]) -> String {
    zip(cells, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ")
}
print(line(["benchmark", "napkin", "reference", "ratio"]))
for r in rows { print(line([r.0, r.1, r.2, r.3])) }
if sink == 42 { print("") }
