/// Frames of compiled code: a function's parameters, block `let`s and sweep variables live in
/// slots carved from one preallocated stack per interpreter, so a call allocates nothing.

/// Where a call site's arguments go: `slots[k]` is the parameter of the k-th argument;
/// `missing` are the parameters left to their defaults, in order.
final class CallShape {
    let slots: [Int]
    let missing: [Int]
    init(slots: [Int], parameters: Int) {
        self.slots = slots
        var given = [Bool](repeating: false, count: parameters)
        for s in slots { given[s] = true }
        missing = (0..<parameters).filter { !given[$0] }
    }

    /// The first `k` of `p` parameters given in order, the rest defaulted: the shape of every call
    /// from a builtin (`map(xs, k => …)`), shared rather than built per call.
    static func positional(_ k: Int, of p: Int) -> CallShape {
        p < positionalShapes.count && k <= p ? positionalShapes[p][k] : CallShape(slots: Array(0..<k), parameters: p)
    }
    private static let positionalShapes: [[CallShape]] = (0...8).map { p in (0...p).map { CallShape(slots: Array(0..<$0), parameters: p) } }
}

extension Interpreter {
    /// 65,536 slots (2 MiB of address space, touched only as deep as calls go); a deeper frame
    /// is allocated on its own.
    static let frameStackCapacity = 1 << 16

    /// A frame of `size` slots, each `.nothing`.
    @inline(__always)
    func pushFrame(_ size: Int) -> UnsafeMutablePointer<Value> {
        let p: UnsafeMutablePointer<Value>
        if frameTop + size <= Interpreter.frameStackCapacity {
            p = frameStack + frameTop
            frameTop += size
        } else {
            p = .allocate(capacity: max(size, 1))
        }
        p.initialize(repeating: .nothing, count: size)
        return p
    }

    @inline(__always)
    func popFrame(_ p: UnsafeMutablePointer<Value>, _ size: Int) {
        p.deinitialize(count: size)
        if p >= frameStack && p < frameStack + Interpreter.frameStackCapacity {
            frameTop -= size
        } else {
            p.deallocate()
        }
    }

    /// Calls a compiled user function: `argument(k)` evaluates the k-th argument straight into
    /// its slot, then the missing parameters take their defaults (which see earlier parameters).
    @inline(__always)
    func callCompiled(_ f: FunctionValue, _ c: CompiledBody, _ shape: CallShape, _ span: Span,
                      argument: (Int) throws(NapkinError) -> Value) throws(NapkinError) -> Value {
        let frame = pushFrame(c.frameSize)
        defer { popFrame(frame, c.frameSize) }
        // A closure's captured values follow its parameters.
        if let closure = f.closure {
            let base = f.paramNames.count
            for k in 0..<closure.captured.count { frame[base + k] = closure.captured[k] }
        }
        for k in 0..<shape.slots.count { frame[shape.slots[k]] = try argument(k) }
        try enterCall(f.name, span)
        defer { callDepth -= 1 }
        do throws(NapkinError) {
            for i in shape.missing {
                guard let d = c.defaults[i] else { throw missingArgument(f, i, span) }
                // Defaults are evaluated at call time, so they can read knobs and globals.
                frame[i] = try d(self, frame)
            }
        } catch {
            throw traced(error, f, span)
        }
        // A wrong argument is the caller's error: it points at the call, with no trace.
        if let contract = f.contract { try checkArguments(f, contract, span) { frame[$0] } }
        // While a host reads at many settings, a call of a function of its arguments alone is
        // made once per set of arguments (see CallMemo).
        var memoKey: CallMemo.Key?
        if let memo = callMemo, memo.wants(f), let key = memo.key(f, frame, count: f.paramNames.count) {
            if let v = memo.lookup(key, depth: callDepth) { return v }
            memoKey = key
        }
        do throws(NapkinError) {
            let v = try c.body(self, frame)
            if let contract = f.contract { try checkResult(f, contract, v, span) }
            if let memoKey { callMemo?.keep(memoKey, v, depth: callDepth) }
            return v
        } catch {
            throw traced(error, f, span)
        }
    }

    /// What every call does once its arguments are in place, however it is made (a frame of its
    /// own, inlined into its caller, a literal lambda run in place by `map`): a step (Ctrl-C is
    /// looked at every 1,024), one level deeper (within the depth limit), the native stack and
    /// the memory budget. The caller leaves the level with `callDepth -= 1` when the call ends.
    @inline(__always)
    func enterCall(_ name: String, _ span: Span) throws(NapkinError) {
        try step(span)
        if callDepth >= limits.maxCallDepth { throw depthError(name, span) }
        callDepth += 1
        do throws(NapkinError) { try checkCall(span) } catch { callDepth -= 1; throw error }
    }

    /// One step of a run, counted for every call; Ctrl-C is looked at every 1,024.
    @inline(__always)
    func step(_ span: Span) throws(NapkinError) {
        steps &+= 1
        if steps & 0x3FF == 0, cancel.isSet { throw NapkinError(.cancelled, "cancelled", at: span) }
    }

    func depthError(_ name: String, _ span: Span) -> NapkinError {
        NapkinError(.runtime, "recursion deeper than \(limits.maxCallDepth) calls in \(name)", at: span,
                    notes: ["is a base case missing? raise the limit with --max-depth"])
    }

    func missingArgument(_ f: FunctionValue, _ i: Int, _ span: Span) -> NapkinError {
        NapkinError(.runtime, "missing argument '\(f.paramNames[i])' in call to \(f.name)", at: span, notes: [f.signature])
    }
}
