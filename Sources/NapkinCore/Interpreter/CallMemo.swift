import Synchronization

/// Results of calls to global functions whose value depends on their arguments alone, kept while
/// a host reads the same expressions at many knob settings and defines nothing meanwhile: a
/// goal search (`napkin check`, `:hint`) reads a goal thousands of times, and its clauses call
/// the same record-heavy library functions again and again (`flow()` and `guard()` each call
/// `feed()`, which calls `titan_step`; a knob that is not among a call's arguments leaves its
/// result as it was).
///
/// A function qualifies when nothing its body can reach reads a knob or prints: its own free
/// names, those of the lambdas and local fns inside it, and, for every global function it names,
/// that function's body and its parameters' defaults (a call that leaves one out evaluates it).
/// Its own defaults may read knobs: they are evaluated before the call is looked up, so their
/// values are part of its key. Only arguments with an exact key qualify: numbers with their
/// dimension and display unit, true/false, strings by their bytes, and records and short lists
/// holding nothing that could read a knob (records by identity: they are immutable, and the
/// memo holds the ones it keys on). A function too small to be worth a lookup is not memoised.
///
/// The memo is valid only while globals other than knobs keep their values: a host installs it
/// for a stretch of readings (`withCallMemo`) and it is gone when that returns.
public final class CallMemo {
    unowned let interp: Interpreter
    private var results: [Key: Kept] = [:]
    /// Calls answered from the memo, and calls made and kept (for tests).
    public private(set) var hits = 0, misses = 0
    /// Beyond this many results the memo starts afresh (a search's readings stay well below).
    static let capacity = 1 << 16

    /// Tells this memo from every other one made in the process (`FunctionValue.memoDeclined`).
    let generation: UInt64

    init(_ interp: Interpreter) {
        self.interp = interp
        generation = CallMemo.generations.wrappingAdd(1, ordering: .relaxed).newValue
        if let known = interp.memoAnalysis, known.definitions == interp.definitionsVersion {
            purities = known.purities
            weights = known.weights
        }
    }

    /// Which functions qualify and what they weigh: the same for every memo while nothing is
    /// defined (knobs may move). Working it out again for every goal search was 2.5% of
    /// `napkin check`.
    struct Analysis {
        let definitions: UInt64
        let purities: [ObjectIdentifier: Purity]
        let weights: [ObjectIdentifier: Int]
    }
    var analysis: Analysis { Analysis(definitions: interp.definitionsVersion, purities: purities, weights: weights) }
    private static let generations = Atomic<UInt64>(0)

    /// A result, and the call depth it was made at: a call as deep or shallower would have made
    /// it too, a deeper one might have passed the depth limit (and must find out).
    private struct Kept {
        var value: Value
        var depth: Int
    }

    /// A call: which function, and its arguments. Hashed once, as it is made: the dictionary's
    /// own hashing of an array of enums was half of a lookup.
    struct Key: Hashable {
        let function: ObjectIdentifier
        let parts: [Part]
        let hash: Int
        init(function: ObjectIdentifier, parts: [Part]) {
            self.function = function
            self.parts = parts
            var h = UInt64(UInt(bitPattern: function)) &* 0x9E37_79B9_7F4A_7C15
            for p in parts { h = (h ^ p.mix) &* 0x100_0000_01B3 }
            hash = Int(bitPattern: UInt(h ^ (h >> 29)))
        }
        func hash(into hasher: inout Hasher) { hasher.combine(hash) }
        static func == (a: Key, b: Key) -> Bool { a.hash == b.hash && a.function == b.function && a.parts == b.parts }
    }

    enum Part: Equatable {
        case number(UInt64, Dimension, UInt32)
        case bool(Bool)
        /// By its bytes: Swift's `==` takes "é" and "e" + a combining accent as equal, which print
        /// differently.
        case string([UInt8])
        case record(ObjectIdentifier)
        case list([Part])

        /// A 64-bit summary for the key's hash (equal parts, equal summaries).
        var mix: UInt64 {
            switch self {
            case .number(let bits, let dim, let unit): return bits &* 0x9E37_79B9_7F4A_7C15 ^ dim.low ^ (dim.high &* 0xFF51_AFD7_ED55_8CCD) ^ UInt64(unit) << 40
            case .bool(let b): return b ? 0x5bd1e995 : 0x1b873593
            case .string(let bytes): return bytes.reduce(0xCBF2_9CE4_8422_2325) { ($0 ^ UInt64($1)) &* 0x100_0000_01B3 }
            case .record(let r): return UInt64(UInt(bitPattern: r)) &* 0xC2B2_AE3D_27D4_EB4F
            case .list(let items): return items.reduce(0xA5A5) { ($0 ^ $1.mix) &* 0x100_0000_01B3 }
            }
        }
    }

    /// How calls of one function fare: whether it qualifies, and how often its calls were
    /// answered. A function whose calls are seldom answered (its arguments differ every time,
    /// e.g. a record built afresh by its caller) is no longer looked up after a trial, and is
    /// inlined into its callers again.
    private struct Fared {
        var memoised: Bool
        var calls = 0, hits = 0
    }
    private var fared: [ObjectIdentifier: Fared] = [:]
    static let trial = 48
    /// Functions whose bodies, with the functions they call, have fewer syntax nodes than this
    /// are cheaper to run than to look up.
    static let smallest = 32

    /// Whether calls of `f` are looked up in the memo.
    @inline(__always)
    func wants(_ f: FunctionValue) -> Bool {
        // A function declined is declined for the memo's life: no lookup on every call of it.
        f.memoDeclined != generation && decides(f)
    }

    @inline(never)
    private func decides(_ f: FunctionValue) -> Bool {
        let wanted: Bool
        let id = ObjectIdentifier(f)
        if f.closure != nil {
            wanted = false
        } else if let r = fared[id] {
            wanted = r.memoised && (r.calls < CallMemo.trial || r.hits * 4 >= r.calls)
        } else {
            wanted = purity(f).body && weight(f) >= CallMemo.smallest
            fared[id] = Fared(memoised: wanted)
        }
        if !wanted { f.memoDeclined = generation }
        return wanted
    }

    /// A key for `f` called with `count` arguments in `frame`; nil when an argument does not
    /// qualify.
    func key(_ f: FunctionValue, _ frame: UnsafeMutablePointer<Value>, count: Int) -> Key? {
        var parts: [Part] = []
        parts.reserveCapacity(count)
        for i in 0..<count {
            guard let p = part(frame[i]) else { return nil }
            parts.append(p)
        }
        return Key(function: ObjectIdentifier(f), parts: parts)
    }

    private func part(_ v: Value) -> Part? {
        switch v {
        case .quantity(let q): return .number(q.value.bitPattern, q.dim, q.unitID)
        case .bool(let b): return .bool(b)
        case .string(let s): return .string(Array(s.utf8))
        case .record(let r):
            // A record holding a lambda that reads a knob is not a value of the call alone.
            let id = ObjectIdentifier(r)
            if let known = steadyRecords[id] { return known ? .record(id) : nil }
            let steady = valueIsSteady(v)
            steadyRecords[id] = steady
            held[id] = r
            return steady ? .record(id) : nil
        case .list(let items) where items.count <= 16:
            var parts: [Part] = []
            for x in items {
                guard let p = part(x) else { return nil }
                parts.append(p)
            }
            return .list(parts)
        default: return nil
        }
    }
    private var steadyRecords: [ObjectIdentifier: Bool] = [:]

    /// The result kept for `key`, if a call at `depth` would have made it.
    func lookup(_ key: Key, depth: Int) -> Value? {
        // `wants` made the entry.
        fared[key.function]?.calls += 1
        guard let kept = results[key], depth <= kept.depth else { return nil }
        fared[key.function]?.hits += 1
        hits += 1
        return kept.value
    }

    /// Keeps a call's result made at `depth`.
    func keep(_ key: Key, _ v: Value, depth: Int) {
        if results.count >= CallMemo.capacity {
            results.removeAll(keepingCapacity: true)
        }
        results[key] = Kept(value: v, depth: max(depth, results[key]?.depth ?? 0))
        misses += 1
    }

    /// The records keys have named, held so that no other record takes their identity while the
    /// memo lives.
    private var held: [ObjectIdentifier: Record] = [:]

    // MARK: Which functions qualify

    /// Whether a function's body reads nothing that moves during readings, and whether its
    /// parameters' defaults do not either (a caller that leaves a parameter out runs its default).
    struct Purity {
        var body: Bool
        var defaults: Bool
        var callable: Bool { body && defaults }
    }
    private var purities: [ObjectIdentifier: Purity] = [:]
    private var walking = 0

    func isPure(_ f: FunctionValue) -> Bool { purity(f).body }

    func purity(_ f: FunctionValue) -> Purity {
        if let known = purities[ObjectIdentifier(f)] { return known }
        // A function that calls itself (directly or through others) is taken as pure while its
        // walk is under way. If the outermost walk finds a knob anywhere, what was concluded on
        // the way may rest on that guess: it is forgotten and worked out again when asked (a
        // function on the walk that is not pure makes every caller on it impure, the outermost
        // too, so nothing concluded from a wrong guess survives).
        let outermost = walking == 0
        let before = outermost ? Set(purities.keys) : []
        purities[ObjectIdentifier(f)] = Purity(body: true, defaults: true)
        walking += 1
        let result: Purity
        switch f.body {
        case .builtin(let b):
            result = Purity(body: b.name != "print", defaults: true)
        case .user(let params, let body, let closure):
            if closure != nil {
                result = Purity(body: false, defaults: false)
            } else {
                var defaults = true, earlier = Set<String>()
                for p in params {
                    if defaults, let d = p.defaultValue { defaults = readsNothingMoving(d, bound: earlier) }
                    earlier.insert(p.name)
                }
                result = Purity(body: readsNothingMoving(body, bound: earlier), defaults: defaults)
            }
        }
        walking -= 1
        if outermost && !result.callable { purities = purities.filter { before.contains($0.key) } }
        purities[ObjectIdentifier(f)] = result
        return result
    }

    private func readsNothingMoving(_ e: Expr, bound: Set<String>) -> Bool {
        var ok = true
        // Sweeps' names too: a sweep moves the knob it is named after.
        e.forEachFreeName(bound: bound) { n in
            guard ok else { return }
            ok = nameIsSteady(n)
        }
        return ok
    }

    /// Whether what the free name `n` names stays the same during a stretch of readings.
    private func nameIsSteady(_ n: String) -> Bool {
        if let g = interp.globals[n] {
            switch g.kind {
            case .knob: return false
            case .function, .value: return valueIsSteady(g.value)
            }
        }
        if let b = interp.builtins[n] { return purity(b).callable }
        return true
    }

    /// Whether calling anything inside `v` reads nothing that moves: functions reached through
    /// records, lists and tables too.
    private func valueIsSteady(_ v: Value) -> Bool {
        switch v {
        case .function(let f): return purity(f).callable
        case .record(let r): return r.values.allSatisfy(valueIsSteady)
        case .list(let items): return items.allSatisfy(valueIsSteady)
        case .table(let t):
            return t.columns.allSatisfy { column in
                if case .values(let vs) = column { return vs.allSatisfy(valueIsSteady) }
                return true
            }
        case .box(let b): return b.value.map(valueIsSteady) ?? true
        case .quantity, .bool, .string, .figure, .nothing: return true
        }
    }

    // MARK: Worth a lookup

    private var weights: [ObjectIdentifier: Int] = [:]

    /// Syntax nodes of `f`'s body and defaults, with those of the global functions it names
    /// (each counted once; at most 10,000): how much a call may cost.
    func weight(_ f: FunctionValue) -> Int {
        if let w = weights[ObjectIdentifier(f)] { return w }
        weights[ObjectIdentifier(f)] = 0   // a function calling itself adds nothing more
        guard case .user(let params, let body, _) = f.body else { return 1 }
        var w = body.nodeCount + params.reduce(0) { $0 + ($1.defaultValue?.nodeCount ?? 0) }
        var named = Set<String>()
        body.forEachFreeName(bound: Set(params.map(\.name))) { named.insert($0) }
        for n in named where w < 10_000 {
            if case .function(let g)? = interp.globals[n]?.value { w += weight(g) }
        }
        w = min(w, 10_000)
        weights[ObjectIdentifier(f)] = w
        return w
    }
}

extension Interpreter {
    /// Runs `body` with calls to functions of their arguments alone answered from a memo (see
    /// `CallMemo`). `body` must define nothing; knobs may move.
    public func withCallMemo<T>(_ body: () throws -> T) rethrows -> T {
        if callMemo != nil { return try body() }
        let memo = CallMemo(self)
        callMemo = memo
        defer {
            callMemo = nil
            memoAnalysis = memo.analysis
        }
        return try body()
    }
}
