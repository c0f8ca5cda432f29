import Synchronization

/// A runtime value. Quantities are unboxed (a Double, a dimension vector, an optional
/// display unit); everything else is a small enum payload or a reference.
public enum Value: Sendable {
    case quantity(Quantity)
    case bool(Bool)
    case string(String)
    case list([Value])
    case record(Record)
    case function(FunctionValue)
    case table(Table)
    /// A picture (plot, bars, gauge, …): data only; the host's renderer draws it.
    case figure(Figure)
    case nothing
    /// Only inside compiled frames: a block's name that a lambda or local fn may read before
    /// its `let`, shared with them (see `BodyCompiler`). Never a result.
    case box(ValueBox)

    public static func number(_ v: Double) -> Value { .quantity(Quantity(v)) }

    public var typeName: String {
        switch self {
        case .quantity(let q): return q.dim.isNone ? "number" : "quantity"
        case .bool: return "boolean"
        case .string: return "string"
        case .list: return "list"
        case .record: return "record"
        case .function: return "function"
        case .table: return "table"
        case .figure: return "figure"
        case .nothing: return "nothing"
        case .box: return "box"
        }
    }
}

/// A block's binding shared with the closures made in the block; nil until its `let` has run.
public final class ValueBox: @unchecked Sendable {
    var value: Value?
    init(_ value: Value?) { self.value = value }
}

/// A record: ordered named fields (`{ name: "H100", peak: 989 TFLOPS }`).
public final class Record: @unchecked Sendable {
    public let keys: [String]
    public let values: [Value]
    public init(keys: [String], values: [Value]) {
        self.keys = keys
        self.values = values
    }

    /// Up to this many keys, a repeated key is found by looking through them; beyond, by hashing.
    static let fewKeys = 32

    public subscript(_ key: String) -> Value? {
        if let i = keys.firstIndex(of: key) { return values[i] }
        return nil
    }

    /// Field `name` if it is where `hint` says (records of one literal share their layout).
    @inline(__always)
    func field(_ name: String, hint k: Int) -> Value? {
        k < keys.count && keys[k] == name ? values[k] : nil
    }

    /// Field `name` as a quantity, if it is one and where `hint` says.
    @inline(__always)
    func quantity(_ name: String, hint k: Int) -> Quantity? {
        if case .quantity(let q)? = field(name, hint: k) { return q }
        return nil
    }
}

/// An instrument's output as data: which instrument and its arguments. The core never
/// draws; hosts install a renderer (NapkinInstruments) through `Interpreter.figureRenderer`.
public final class Figure: @unchecked Sendable {
    public let kind: String
    public let title: String?
    public let payload: FigureData
    public init(kind: String, title: String? = nil, payload: FigureData) {
        self.kind = kind
        self.title = title
        self.payload = payload
    }
}

/// A callable: a user function (a global `fn`, or a lambda or local fn with what it captured),
/// or a builtin.
public final class FunctionValue: @unchecked Sendable {
    public enum Body {
        case user(params: [Parameter], body: Expr, closure: Closure?)
        case builtin(Builtin)
    }
    public let name: String
    public let body: Body
    /// Source span of the definition, for `:info` and Math Peek.
    public let definition: Span?
    /// The call memo (`CallMemo.generation`) that declined this function: its calls are made
    /// as usual while that memo lasts, without a lookup. Only the session's own thread writes
    /// or reads it (workers of a parallel sweep have no memo).
    var memoDeclined: UInt64 = 0

    /// A user function's parameter names, shared by every call's frame.
    let paramNames: [String]
    /// A lambda or local fn: the values it carries from the scope it was made in.
    let closure: Closure?
    /// The body and defaults as compiled code: a closure's are compiled with the code that makes
    /// it; a global function's on its first call (when the functions it calls are defined), by
    /// whichever thread gets there first (workers of a parallel sweep share it).
    private let compiledOnce: PublishedOnce<CompiledBody>
    var compiled: CompiledBody? { compiledOnce.value }
    /// Publishes `code` unless another thread got there first; returns the one published.
    func publish(_ code: CompiledBody) -> CompiledBody { compiledOnce.publish(code) }
    /// Which declaration each name in a global function's body and defaults is bound to: the
    /// answer for the program that defined it, or, for one defined by code bound before (the
    /// prelude), worked out on first need (compiling it, or inlining it into a caller) and
    /// published like its body. Nil for a builtin, and for a lambda or local fn: its body was
    /// resolved with the code that made it, where the names it captures are bound (alone, they
    /// would read as globals).
    private let resolutionOnce: PublishedOnce<Resolution>
    var resolution: Resolution? {
        if let r = resolutionOnce.value { return r }
        guard case .user(let params, let body, nil) = body else { return nil }
        return resolutionOnce.publish(.function(params, body))
    }
    /// `-> Time`: the dimension the result must have.
    public let resultType: DeclaredType?
    /// The declared dimensions, resolved when the function is defined (nil: nothing declared).
    var contract: Contract?
    var contractResolved = false

    /// `resolution`: the binder's answer for the program whose statement defines it.
    init(name: String, body: Body, definition: Span? = nil, resultType: DeclaredType? = nil, resolution: Resolution?) {
        self.name = name
        self.body = body
        self.definition = definition
        self.resultType = resultType
        if case .user(let params, _, let closure) = body {
            paramNames = params.map(\.name)
            self.closure = closure
            compiledOnce = PublishedOnce(closure?.code)
        } else {
            paramNames = []
            closure = nil
            compiledOnce = PublishedOnce()
        }
        resolutionOnce = PublishedOnce(closure == nil ? resolution : nil)
    }

    public convenience init(name: String, body: Body, definition: Span? = nil, resultType: DeclaredType? = nil) {
        self.init(name: name, body: body, definition: definition, resultType: resultType, resolution: nil)
    }

    public var parameterNames: [String] {
        switch body {
        case .user(let p, _, _): return p.map(\.name)
        case .builtin(let b): return b.parameters
        }
    }

    public var signature: String {
        switch body {
        case .user(let params, _, _):
            let ps = params.map { p in
                let typed = p.declared.map { "\(p.name): \($0.text)" } ?? p.name
                return p.defaultValue.map { "\(typed) = \($0.span.text)" } ?? typed
            }
            return "\(name)(\(ps.joined(separator: ", ")))" + (resultType.map { " -> \($0.text)" } ?? "")
        case .builtin(let b): return "\(name)(\(b.parameters.joined(separator: ", ")))"
        }
    }
}

/// What a lambda or local fn carries: its compiled body, and the values of the names it reads
/// from where it was made (copied then; a box when a later `let` of the block may still bind it).
public final class Closure: @unchecked Sendable {
    let code: CompiledBody
    let captured: [Value]
    init(code: CompiledBody, captured: [Value]) {
        self.code = code
        self.captured = captured
    }
}

/// A knob: a named global with a range and a doc line (a workbench slider). A choice knob
/// (`knob fmt = json in [csv, json, parquet]`) has named options instead of a range: its value is
/// the selected option's value, `low...high` is the options' index range, and a choice of two
/// options is a toggle.
public struct KnobInfo: Sendable {
    public var low: Quantity
    public var high: Quantity
    /// `knob streams = 8 in 1...8 step 1`: the knob moves only to low + k·step (whole cameras,
    /// workers, batches); nil for a continuous knob.
    public var step: Quantity? = nil
    public var doc: String?
    /// The options of a choice knob, in the author's order; empty for a numeric knob.
    public var options: [KnobOption] = []
    /// Which option a choice knob is set to.
    public var selected = 0

    public var isChoice: Bool { !options.isEmpty }
    /// The settings of a stepped knob from low to high, every one when there are at most
    /// `count`, else `count` of them spread evenly with both ends (nil when continuous or a
    /// choice). A grid may be far too big to list (`0...1e12 step 1`).
    public func stepSettings(atMost count: Int) -> [Double]? {
        guard let (st, last) = grid else { return nil }
        if last < Double(count) { return (0...Int(last)).map { low.value + Double($0) * st } }
        let n = max(2, count)
        var picks: [Double] = []
        for i in 0..<n {
            let k = (Double(i) * last / Double(n - 1)).rounded(.down)
            if picks.last != k { picks.append(k) }
        }
        return picks.map { low.value + $0 * st }
    }
    /// How many settings a stepped knob has (nil when continuous or a choice); a Double, as
    /// the count may be beyond any Int.
    public var stepCount: Double? { grid.map { $0.last + 1 } }
    /// The nearest setting on a stepped knob's grid (the value itself when continuous).
    public func snapped(_ v: Double) -> Double {
        guard let (st, last) = grid else { return v }
        let k = min(max(((v - low.value) / st).rounded(), 0), last)
        return low.value + k * st
    }
    /// A stepped knob's step and the index of its last setting (low + last·step ≤ high), a
    /// whole number kept as a Double: it may be beyond any Int (`0...1e300 step 1`).
    private var grid: (step: Double, last: Double)? {
        guard let st = step?.value, st > 0, !isChoice else { return nil }
        // (0.3 - 0) / 0.1 is 2.9999999999999996: three steps. A few ulps of the quotient, not a
        // share of it: 1e12 steps and a share of 1e-12 made a setting one step past the top.
        let raw = (high.value - low.value) / st, near = raw.rounded()
        let last = abs(raw - near) <= min(0.25, max(1e-9, 8 * raw.ulp)) ? near : raw.rounded(.down)
        return (st, last.isFinite ? max(0, last) : Double.greatestFiniteMagnitude)
    }
    public var isToggle: Bool { options.count == 2 }
    public var selectedName: String? { options.indices.contains(selected) ? options[selected].name : nil }
}

/// One named option of a choice knob and the value it stands for (a record or a quantity).
public struct KnobOption: Sendable {
    public var name: String
    public var value: Value
}

/// Where a global's value lives. A name keeps its cell for the life of a session, so a
/// compiled reference can hold the cell instead of hashing the name on every use.
public final class GlobalCell: @unchecked Sendable {
    public var value: Value {
        didSet { version &+= 1 }
    }
    /// Changes whenever `value` is set, so compiled code can check "still the same" without
    /// touching the value's reference count (which many cores would fight over).
    private(set) var version: UInt64 = 0
    /// False once a failed REPL line is undone and the name it made is gone again.
    public var defined = true
    /// While a sweep runs on several cores: one value per worker, so each worker moves its own
    /// copy of a knob (see ParallelSweep.swift).
    var lanes: UnsafeMutablePointer<Value>?
    init(_ value: Value) { self.value = value }

    /// Lanes are this many slots apart (128 bytes), so two cores writing their own lanes never
    /// write into one cache line.
    static let laneStride = 4

    /// The value as `interp` sees it (its own lane during a parallel sweep; a record's lane is
    /// filled with the worker's own copy on its first read).
    @inline(__always)
    func read(_ interp: Interpreter) -> Value {
        if let lanes { return laneValue(lanes + interp.lane &* GlobalCell.laneStride) }
        return value
    }

    /// A lane's value, filled on first read (out of line: `read` stays small where it is inlined).
    @inline(never)
    private func laneValue(_ lane: UnsafeMutablePointer<Value>) -> Value {
        if case .nothing = lane.pointee { lane.pointee = Interpreter.workerCopy(value) }
        return lane.pointee
    }

    @inline(__always)
    func write(_ v: Value, _ interp: Interpreter) {
        if let lanes { lanes[interp.lane &* GlobalCell.laneStride] = v } else { value = v }
    }
}

/// A global binding with how it was made, for `:info` and for assignment rules.
public struct Global: Sendable {
    public enum Kind: Sendable { case value, function, knob }
    let cell: GlobalCell
    public var value: Value {
        get { cell.value }
        nonmutating set { cell.value = newValue }
    }
    public var kind: Kind
    public var knob: KnobInfo?
    public var definition: Span?
    /// The doc string written after the definition (a citation, for library figures).
    public var doc: String?

    init(value: Value, kind: Kind, knob: KnobInfo?, definition: Span?, doc: String? = nil) {
        self.init(cell: GlobalCell(value), kind: kind, knob: knob, definition: definition, doc: doc)
    }

    init(cell: GlobalCell, kind: Kind, knob: KnobInfo?, definition: Span?, doc: String? = nil) {
        self.cell = cell
        self.kind = kind
        self.knob = knob
        self.definition = definition
        self.doc = doc
    }
}

extension Int {
    /// `x` as an Int when it is a whole number an Int holds exactly (below 2⁵³ in size), else
    /// nil: `Int(_:)` of a Double that is not finite or too large traps. An index, a count, an
    /// exponent or a choice key from a napkin number goes through here.
    public init?(whole x: Double) {
        guard x.isFinite, x == x.rounded(), abs(x) < 9_007_199_254_740_992 else { return nil }
        self.init(x)
    }
}
