import Foundation
import Synchronization

/// A sweep whose body sweeps again (`sweep a … < min(sweep b … < f(a, b) >) >`) spreads its
/// outer points over every core. Results are identical to one core's: workers only compute
/// rows, and the calling thread takes them in order, so sums add up in the same order, the
/// first error is the one a single core would meet first, and `print` output (held per point)
/// comes out in order.
///
/// Each worker is an interpreter of its own (`Interpreter(workerOf:lane:)`) with the same
/// globals, its own frame and, for every knob, its own lane: a knob moved by one worker's
/// sweep is not seen by another's.

/// What one point of a spread sweep produced.
private enum PointResult<Row> {
    case row(Row, printed: [String])
    case failed(NapkinError, printed: [String])
}

/// Hands out the points of a window to the workers of a spread sweep, a few at a time and in
/// order, until the window ends or a point fails.
private final class PointCounter: @unchecked Sendable {
    /// Points taken at once: enough that taking them costs little beside computing them, few
    /// enough that the workers finish together.
    static let chunk = 4
    private let next: Atomic<Int>
    private let end: Atomic<Int>
    init(_ first: Int, end: Int) {
        next = Atomic(first)
        self.end = Atomic(end)
    }

    /// The next points to compute, or nil when none are left.
    func take() -> Range<Int>? {
        let limit = end.load(ordering: .relaxed)
        let from = next.wrappingAdd(PointCounter.chunk, ordering: .relaxed).oldValue
        guard from < limit else { return nil }
        return from..<min(from + PointCounter.chunk, limit)
    }

    /// After point `i` failed: no point after it is handed out (taken ones still finish).
    func stop(after i: Int) {
        var current = end.load(ordering: .relaxed)
        while i + 1 < current {
            let (exchanged, original) = end.compareExchange(expected: current, desired: i + 1, ordering: .relaxed)
            if exchanged { break }
            current = original
        }
    }
}

/// Shared between the workers of one spread sweep; each worker writes only its own points.
private final class SpreadBuffer<Row>: @unchecked Sendable {
    let results: UnsafeMutablePointer<PointResult<Row>?>
    let capacity: Int
    init(capacity: Int) {
        self.capacity = capacity
        results = .allocate(capacity: capacity)
        results.initialize(repeating: nil, count: capacity)
    }
    deinit {
        results.deinitialize(count: capacity)
        results.deallocate()
    }
}

extension Interpreter {
    /// Cores a sweep uses unless told otherwise: all of them, up to 8.
    public static let defaultCores = max(1, min(8, ProcessInfo.processInfo.activeProcessorCount))
    /// Points computed between two hand-overs to the calling thread: memory stays flat.
    static let spreadWindow = 4096

    /// Records and short lists: values a worker gets its own copy of.
    static func copiedPerWorker(_ v: Value) -> Bool {
        switch v {
        case .record: return true
        case .list(let items): return items.count <= 1000
        default: return false
        }
    }

    /// A copy sharing no object with `v` down to its quantities (strings and functions are shared).
    static func workerCopy(_ v: Value) -> Value {
        switch v {
        case .record(let r): return .record(Record(keys: r.keys.map { $0 }, values: r.values.map(workerCopy)))
        case .list(let items) where items.count <= 1000: return .list(items.map(workerCopy))
        default: return v
        }
    }

    /// Whether a sweep of `count` points should spread over cores (never inside a worker).
    func shouldSpread(_ count: Int) -> Bool {
        !isWorker && cores > 1 && count > 1
    }

    /// Runs a sweep's points on all cores. `evaluate` computes one point's row in a worker, with
    /// the worker's copy of the frame `s` (`frameSize` slots); `consume` receives each row in order.
    /// A row is what the caller needs of a point: its cells for a table, one value for a
    /// reduction (an array per point, made on one core and freed on another, cost the calling
    /// thread 2–3% of a 1000 × 1000 sweep of sweeps while the others waited).
    func spreadSweep<Row>(_ name: String, _ points: SweepPoints, knob: GlobalCell?, rangeSpan: Span, span: Span,
                          frame s: UnsafeMutablePointer<Value>, frameSize: Int,
                          evaluate: @escaping (Interpreter, UnsafeMutablePointer<Value>, Value) throws(NapkinError) -> Row,
                          consume: (Value, Row) throws(NapkinError) -> Void) throws(NapkinError) {
        let count = cores
        spreadSweeps += 1
        // The first point runs here, as on one core: it compiles what the body calls and records
        // its tapes and caches (workers only read those), and its output and errors come first.
        let original = knob?.value
        defer { if let knob, let original { knob.value = original } }
        let first = points.point(0)
        if let knob {
            try checkSweptKnob(name, knob, first, rangeSpan)
            knob.value = first
        }
        try consume(first, try evaluate(self, s, first))
        // Workers of an earlier spread are used again (a spread inside this one's first point
        // takes and gives back its own first).
        let workers = (0..<count).map { lane -> Interpreter in
            guard let w = spareWorkers.popLast() else { return Interpreter(workerOf: self, lane: lane) }
            w.refresh(workerOf: self, lane: lane)
            return w
        }
        defer {
            // Kept without the session's values, so a value the session lets go is freed.
            for w in workers {
                w.globals = [:]
                w.emit = { _ in }
            }
            spareWorkers = workers
        }
        // Every knob gets one lane per worker, starting at its current value. So does every
        // record and short list: worker 0 reads the original, the others a copy of their own,
        // made when they first read it (`GlobalCell.read`), since reading a shared object from
        // several cores makes them fight over its reference count. All lanes are one allocation.
        let laned = globals.values.filter { $0.kind == .knob || Interpreter.copiedPerWorker($0.value) }
        let laneSlots = count * GlobalCell.laneStride
        let allLanes = UnsafeMutablePointer<Value>.allocate(capacity: max(1, laned.count * laneSlots))
        allLanes.initialize(repeating: .nothing, count: laned.count * laneSlots)
        for (k, g) in laned.enumerated() {
            let lanes = allLanes + k * laneSlots
            lanes[0] = g.cell.value
            if g.kind == .knob {
                for w in 1..<count { lanes[w * GlobalCell.laneStride] = Interpreter.workerCopy(g.cell.value) }
            }
            g.cell.lanes = lanes
        }
        defer {
            for g in laned { g.cell.lanes = nil }
            allLanes.deinitialize(count: laned.count * laneSlots)
            allLanes.deallocate()
        }
        let frames = workers.map { w -> UnsafeMutablePointer<Value> in
            let f = w.pushFrame(frameSize)
            for i in 0..<frameSize { f[i] = s[i] }
            return f
        }
        defer { for (w, f) in zip(workers, frames) { w.popFrame(f, frameSize) } }

        var start = 1
        while start < points.count {
            let end = min(points.count, start + Interpreter.spreadWindow)
            let buffer = SpreadBuffer<Row>(capacity: end - start)
            let first = start
            let next = PointCounter(first, end: end)
            // The points are handed out a few at a time, to whichever worker asks first: a
            // worker that starts late (a pooled thread takes a while to wake) or runs on a core
            // the machine slows down takes fewer of them. A worker stops at its first error, and
            // no worker takes a point after it: a single core would stop there too, and the rows
            // after it are never read.
            LargeStackThread.runAll(count) { w in
                let worker = workers[w], frame = frames[w]
                var printed: [String] = []
                worker.emit = { printed.append($0) }
                while let taken = next.take() {
                    for i in taken {
                        printed = []
                        do throws(NapkinError) {
                            if worker.cancel.isSet { throw NapkinError(.cancelled, "cancelled", at: span) }
                            let x = points.point(i)
                            if let knob {
                                try worker.checkSweptKnob(name, knob, x, rangeSpan)
                                knob.write(x, worker)
                            }
                            let row = try evaluate(worker, frame, x)
                            buffer.results[i - first] = .row(row, printed: printed)
                        } catch {
                            buffer.results[i - first] = .failed(error, printed: printed)
                            next.stop(after: i)
                            return
                        }
                    }
                }
            }
            for k in 0..<(end - first) {
                switch buffer.results[k] {
                case .row(let row, let printed)?:
                    for line in printed { emit(line) }
                    try consume(points.point(first + k), row)
                case .failed(let error, let printed)?:
                    for line in printed { emit(line) }
                    throw error
                case nil:
                    throw NapkinError(.runtime, "internal: a sweep point was not computed", at: span)
                }
            }
            start = end
        }
    }
}
