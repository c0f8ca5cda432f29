/// Results of calls to global functions whose value depends on their arguments alone, kept while
/// a host reads the same expressions at many knob settings and defines nothing meanwhile: a
/// goal search (`napkin check`, `:hint`) reads a goal thousands of times, and its clauses call
/// the same record-heavy library functions again and again (`flow()` and `guard()` each call
/// `feed()`, which calls `titan_step`; a knob that is not among a call's arguments leaves its
/// result as it was).
///
/// A function qualifies when nothing its body can reach reads a knob or prints: its own names,
/// those of the lambdas and local fns inside it, and of every global function it calls, walked
/// once per function. Defaults may read knobs: they are evaluated before the call is looked up,
/// so their values are part of its key. Only arguments with a cheap exact key qualify (numbers
/// with their dimension and display unit, true/false, strings, records by identity — records
/// are immutable, and the memo holds the ones it keys on).
///
/// The memo is valid only while globals other than knobs keep their values: a host installs it
/// for a stretch of readings (`withCallMemo`) and it is gone when that returns.
public final class CallMemo {
    unowned let interp: Interpreter
    private var pure: [ObjectIdentifier: Bool] = [:]
    private var results: [Key: Value] = [:]
    /// Calls answered from the memo, and calls made and kept (for tests).
    public private(set) var hits = 0, misses = 0
    /// Beyond this many results the memo starts afresh (a search's readings stay well below).
    static let capacity = 1 << 16

    init(_ interp: Interpreter) { self.interp = interp }

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
        case string(String)
        case record(ObjectIdentifier)
        case list([Part])

        /// A 64-bit summary for the key's hash (equal parts, equal summaries).
        var mix: UInt64 {
            switch self {
            case .number(let bits, let dim, let unit): return bits &* 0x9E37_79B9_7F4A_7C15 ^ dim.low ^ (dim.high &* 0xFF51_AFD7_ED55_8CCD) ^ UInt64(unit) << 40
            case .bool(let b): return b ? 0x5bd1e995 : 0x1b873593
            case .string(let s): return UInt64(truncatingIfNeeded: s.hashValue)
            case .record(let r): return UInt64(UInt(bitPattern: r)) &* 0xC2B2_AE3D_27D4_EB4F
            case .list(let items): return items.reduce(0xA5A5) { ($0 ^ $1.mix) &* 0x100_0000_01B3 }
            }
        }
    }

    /// How calls of one function have fared: a function whose calls are seldom answered (its
    /// arguments differ every time, e.g. a record built afresh by its caller) is no longer
    /// looked up, and is inlined into its callers again.
    private struct Fared {
        var pure: Bool
        var calls: Int32 = 0, hits: Int32 = 0
    }
    private var fared: [ObjectIdentifier: Fared] = [:]
    static let trial: Int32 = 48

    /// Whether calls of `f` are looked up in the memo.
    func wants(_ f: FunctionValue) -> Bool {
        guard f.closure == nil else { return false }
        let id = ObjectIdentifier(f)
        if let r = fared[id] { return r.pure && (r.calls < CallMemo.trial || r.hits * 4 >= r.calls) }
        let pure = isPure(f)
        fared[id] = Fared(pure: pure)
        return pure
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
        case .string(let s): return .string(s)
        case .record(let r): return .record(ObjectIdentifier(r))
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

    func lookup(_ key: Key) -> Value? {
        let v = results[key]
        // `wants` made the entry.
        fared[key.function]?.calls += 1
        if v != nil {
            fared[key.function]?.hits += 1
            hits += 1
        }
        return v
    }

    /// Keeps a call's result, and the records its key names (so no other record can take their
    /// identity while the memo lives).
    func keep(_ key: Key, _ v: Value, arguments frame: UnsafeMutablePointer<Value>, count: Int) {
        if results.count >= CallMemo.capacity { results.removeAll(keepingCapacity: true); held.removeAll() }
        for i in 0..<count { hold(frame[i]) }
        results[key] = v
        misses += 1
    }

    private var held: [ObjectIdentifier: Record] = [:]
    private func hold(_ v: Value) {
        switch v {
        case .record(let r): held[ObjectIdentifier(r)] = r
        case .list(let items): items.forEach(hold)
        default: break
        }
    }

    /// Whether `f`'s result depends on its arguments alone (see the type's comment).
    func isPure(_ f: FunctionValue) -> Bool {
        if let known = pure[ObjectIdentifier(f)] { return known }
        // A function that calls itself (directly or through others) is taken as pure while its
        // walk is under way. If the outermost walk finds a knob, what was concluded on the way
        // may rest on that guess: it is forgotten and worked out again when asked.
        let outermost = walking == 0
        let before = outermost ? Set(pure.keys) : []
        pure[ObjectIdentifier(f)] = true
        walking += 1
        let result: Bool
        switch f.body {
        case .builtin(let b): result = b.name != "print"
        case .user(let params, let body, let closure):
            result = closure == nil && readsNoKnob(body, parameters: Set(params.map(\.name)))
        }
        walking -= 1
        if outermost && !result { pure = pure.filter { before.contains($0.key) } }
        pure[ObjectIdentifier(f)] = result
        return result
    }
    private var walking = 0

    private func readsNoKnob(_ body: Expr, parameters: Set<String>) -> Bool {
        var ok = true
        body.forEachFreeName(bound: parameters) { n in
            guard ok else { return }
            ok = nameIsSteady(n)
        }
        // A sweep moves the knob it is named after.
        if ok { body.forEachSweptName { if interp.globals[$0]?.kind == .knob { ok = false } } }
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
        if let b = interp.builtins[n] { return isPure(b) }
        return true
    }

    private func valueIsSteady(_ v: Value) -> Bool {
        switch v {
        case .function(let f): return isPure(f)
        case .record(let r): return r.values.allSatisfy(valueIsSteady)
        case .list(let items): return items.allSatisfy(valueIsSteady)
        default: return true
        }
    }
}

extension Interpreter {
    /// Runs `body` with calls to functions of their arguments alone answered from a memo (see
    /// `CallMemo`). `body` must define nothing; knobs may move.
    public func withCallMemo<T>(_ body: () throws -> T) rethrows -> T {
        if callMemo != nil { return try body() }
        callMemo = CallMemo(self)
        defer { callMemo = nil }
        return try body()
    }
}
