import Foundation
import NapkinCore
import NapkinInstruments
import NapkinLibrary

/// One fuzz input through the whole pipeline: lexer → parser → binder (names checked) → interpreter →
/// value formatter → renderer (every figure as text and as SVG, every table as CSV/JSON/MD).
///
/// Inputs are arbitrary bytes. A napkin error is the expected outcome for most of them; what
/// counts as a finding is a crash, a trap, a sanitizer report, a leak-out of memory or a hang
/// (libFuzzer's -timeout / -rss_limit_mb). Evaluation runs with small limits and a wall-clock
/// budget enforced through the interpreter's cancel flag, so a slow-but-legal program such as a
/// 10,000-point sweep of a recursive function is cancelled rather than reported as a hang.
enum Harness {
    /// Small limits on sizes, so legal-but-huge programs stay cheap. The call depth keeps its
    /// default (10,000): a smaller cap would hide native stack overflows, which must be clean
    /// errors at every depth the CLI allows.
    static var limits: Limits {
        var l = Limits()
        l.maxSweepPoints = 2_000
        l.maxListLength = 2_000
        l.maxStringLength = 100_000
        // Below libFuzzer's -rss_limit_mb, so growth ends in napkin's clean error, not an OOM report.
        l.maxMemory = 1 << 30
        return l
    }

    /// Wall-clock budget for evaluating one input (parsing is not cancellable: a slow parse is
    /// a finding).
    static var evaluationBudget: TimeInterval = 2.0

    /// The outcome of one input, for the replay mode's summary.
    enum Outcome: String { case ok, error, cancelled, notUTF8 = "not-utf8" }

    /// What one input is fed to (NAPKIN_FUZZ_TARGET): a napkin program (the default), a lab
    /// mission file (MissionFuzz.swift), or a ledger file (LedgerFuzz.swift).
    enum Target: String { case program, mission, ledger }
    static let target = Target(rawValue: ProcessInfo.processInfo.environment["NAPKIN_FUZZ_TARGET"] ?? "program") ?? .program

    static func run(_ bytes: UnsafeRawBufferPointer) -> Outcome {
        // The CLI rejects invalid UTF-8 before lexing (tested in RobustnessTests); the fuzzer
        // still feeds such inputs through, decoded with replacement characters.
        let valid = String(validating: bytes, as: UTF8.self) != nil
        let source = String(decoding: bytes, as: UTF8.self)
        let outcome: Outcome
        switch target {
        case .program: outcome = Session.onLargeStack { runSource(source) }
        case .mission: outcome = Session.onLargeStack { MissionFuzz.run(source) }
        case .ledger: outcome = LedgerFuzz.run(source)
        }
        return valid ? outcome : .notUTF8
    }

    /// Loading the prelude takes most of an input's time, so by default it is loaded once and
    /// each input starts from a snapshot of the loaded session (the REPL's own undo mechanism).
    /// NAPKIN_FUZZ_FRESH=1 loads a fresh prelude for every input instead.
    static let fresh = ProcessInfo.processInfo.environment["NAPKIN_FUZZ_FRESH"].map { !$0.isEmpty && $0 != "0" } ?? false

    static func loadPrelude() -> Session {
        do {
            return try Prelude.makeSession()
        } catch {
            fatalError("the prelude does not load: \(error.render())")
        }
    }

    nonisolated(unsafe) static let base: (interpreter: Interpreter, snapshot: Interpreter.Snapshot, names: UnitNames) = {
        let s = loadPrelude()
        return (s.interpreter, s.interpreter.snapshot(), s.unitNames.copy())
    }()

    /// A session with the prelude loaded and nothing else.
    static func makeSession() -> Session {
        if fresh { return loadPrelude() }
        let interp = base.interpreter
        interp.restore(base.snapshot)
        // restore() adopts the snapshot's unit registry; swap in a copy so this input cannot
        // change the snapshot itself.
        interp.restore(interp.snapshot())
        interp.cancel.clear()
        return Session(interpreter: interp, unitNames: base.names.copy())
    }

    static func runSource(_ source: String) -> Outcome {
        let session = makeSession()
        let interp = session.interpreter
        interp.limits = limits
        interp.emit = { _ in }
        session.onResult = { v in renderEverything(v, interp) }
        Watchdog.shared.arm(interp.cancel, seconds: evaluationBudget)
        defer { Watchdog.shared.disarm() }
        do {
            try session.run(source, name: "<fuzz>", transactional: true)
            return .ok
        } catch {
            // Rendering the diagnostic (caret line, notes) is part of the pipeline too.
            _ = error.render(color: true)
            _ = error.render(color: false)
            return error.phase == .cancelled ? .cancelled : .error
        }
    }

    /// Formats and draws a result every way the hosts do: as text at two widths, Unicode and
    /// ASCII, as SVG, and every data value as `--format` writes it. Errors are expected; crashes are not.
    static func renderEverything(_ v: Value, _ interp: Interpreter) {
        do {
            _ = try interp.describe(v)
            _ = try interp.describeInline(v)
            switch v {
            case .figure(let f):
                for width in [20, 80] {
                    for unicode in [true, false] {
                        _ = try Instruments.renderText(f, style: RenderStyle(width: width, color: unicode, unicode: unicode))
                    }
                }
                _ = try Instruments.renderSVG(f, digits: interp.digits)
            default:
                // Every data value (tables, records, lists, scalars) as --format writes it.
                guard DataExport.isData(v) else { break }
                for format in DataExport.Format.allCases {
                    _ = try DataExport.render(v, format: format, interpreter: interp)
                }
            }
        } catch {
            // a clean rendering error is an expected outcome
        }
    }
}

/// Sets an interpreter's cancel flag when an evaluation outlives its budget.
final class Watchdog: @unchecked Sendable {
    static let shared = Watchdog()
    private let lock = NSLock()
    private var flag: CancelFlag?
    private var deadline = Date.distantFuture

    private init() {
        let t = Thread { [unowned self] in
            while true {
                usleep(20_000)
                self.lock.lock()
                if let flag = self.flag, Date() > self.deadline { flag.set() }
                self.lock.unlock()
            }
        }
        t.name = "napkin-fuzz-watchdog"
        t.start()
    }

    func arm(_ flag: CancelFlag, seconds: TimeInterval) {
        lock.lock()
        self.flag = flag
        deadline = Date().addingTimeInterval(seconds)
        lock.unlock()
    }

    func disarm() {
        lock.lock()
        flag = nil
        deadline = .distantFuture
        lock.unlock()
    }
}

/// libFuzzer's entry point.
@_cdecl("LLVMFuzzerTestOneInput")
public func napkinFuzzOneInput(_ data: UnsafeRawPointer?, _ size: Int) -> CInt {
    _ = Harness.run(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}
