import Foundation

/// Resource limits, each with a clear error and a command-line setting to raise it.
public struct Limits: Sendable {
    public var maxCallDepth = 10_000
    public var maxSweepPoints = 10_000_000
    public var maxListLength = 10_000_000
    public var maxStringLength = 10_000_000
    /// Bytes of memory the session may use (resident), checked where values grow.
    public var maxMemory = MemoryBudget.defaultBytes
    /// The most napkin calls the evaluator's 1 GiB stack holds with room to spare (a debug build
    /// uses ~35 KB of native stack per call).
    public static let deepestSafeRecursion = 20_000
    public init() {}
}

/// Set from a signal handler or another thread to stop a running evaluation (Ctrl-C).
public final class CancelFlag: @unchecked Sendable {
    public let pointer: UnsafeMutablePointer<Int32>
    public init() {
        pointer = .allocate(capacity: 1)
        pointer.initialize(to: 0)
    }
    deinit { pointer.deallocate() }
    public var isSet: Bool { pointer.pointee != 0 }
    public func set() { pointer.pointee = 1 }
    public func clear() { pointer.pointee = 0 }
    /// In a long loop (export, drawing): stops every 16,384th step once Ctrl-C or --timeout set the flag.
    @inline(__always)
    public func check(_ step: Int) throws(NapkinError) {
        if step & 0x3FFF == 0x3FFF, isSet { throw NapkinError(.cancelled, "cancelled") }
    }
}

/// How much native stack the current thread has left. Every recursive path of evaluation —
/// calls (tree-walked and compiled), and walks over nested data (equality, printing,
/// conversion) — asks before going deeper, so no combination of nesting, recursion and data
/// depth can overflow the stack: evaluation stops with a clean error instead of a signal.
///
/// The call-depth limit alone cannot promise this: how much stack one call takes depends on how
/// deeply its body nests and on the build, and data can nest deeper than any call chain.
#if os(Linux)
/// glibc's pthread_getattr_np (a GNU extension the Glibc module does not import): the calling
/// thread's attributes, with its real stack bounds.
@_silgen_name("pthread_getattr_np")
private func napkin_pthread_getattr_np(_ thread: pthread_t, _ attr: UnsafeMutablePointer<pthread_attr_t>) -> Int32
#endif

#if os(Linux)
/// glibc's mallopt (malloc.h is not part of the Glibc module).
@_silgen_name("mallopt")
private func napkin_mallopt(_ param: Int32, _ value: Int32) -> Int32
#endif

public enum NativeStack {
    /// Bytes kept free below the check: room for the deepest work between two checks (one
    /// call's body nested 200 levels takes over 1 MiB of stack in a debug build), for building
    /// the error and unwinding. Checking only every few calls is not safe for that reason.
    static func reserve(stackSize: Int) -> Int { min(16 << 20, stackSize / 2) }

    private static let key: pthread_key_t = {
        var k = pthread_key_t()
        pthread_key_create(&k, nil)
        return k
    }()

    /// The lowest stack address this thread may reach before an error (the stack grows down),
    /// found once per thread from the thread's stack bounds.
    @inline(never)
    static func computeFloor() -> UInt {
        var floor: UInt = 1
        #if os(Linux)
        var attr = pthread_attr_t()
        if napkin_pthread_getattr_np(pthread_self(), &attr) == 0 {
            var addr: UnsafeMutableRawPointer?
            var size = 0
            if pthread_attr_getstack(&attr, &addr, &size) == 0, let addr {
                floor = UInt(bitPattern: addr) + UInt(reserve(stackSize: size))
            }
            pthread_attr_destroy(&attr)
        }
        #elseif canImport(Darwin)
        let top = UInt(bitPattern: pthread_get_stackaddr_np(pthread_self()))
        let size = pthread_get_stacksize_np(pthread_self())
        floor = top - UInt(size) + UInt(reserve(stackSize: size))
        #endif
        pthread_setspecific(key, UnsafeRawPointer(bitPattern: floor))
        return floor
    }

    /// True when the current thread is within its reserve.
    @inline(__always)
    public static func isLow() -> Bool {
        let floor = pthread_getspecific(key).map { UInt(bitPattern: $0) } ?? computeFloor()
        var marker: UInt8 = 0
        return withUnsafeMutablePointer(to: &marker) { UInt(bitPattern: $0) } < floor
    }

    static func error(_ span: Span) -> NapkinError {
        NapkinError(.runtime, "evaluation nested too deeply: the native stack is nearly full", at: span,
                    notes: ["deep recursion with deeply nested bodies, or deeply nested data; lower the depth (--max-depth) or flatten the data"])
    }
}

extension Interpreter {
    /// Throws a clean error instead of letting a recursive step overflow the native stack.
    @inline(__always)
    func checkStack(_ span: Span) throws(NapkinError) {
        if NativeStack.isLow() { throw NativeStack.error(span) }
    }

    /// At every call: the native stack, and every 16,384 calls the memory budget too (deep
    /// recursion takes a little heap per call, which no value growth accounts for).
    @inline(__always)
    func checkCall(_ span: Span) throws(NapkinError) {
        if NativeStack.isLow() { throw NativeStack.error(span) }
        if steps & 0x3FFF == 0 { try checkMemory(0, span) }
    }}

/// The session's memory budget (`--max-memory`). Limits on lengths bound each value, but not
/// how many of them a program keeps; without a total budget, a program that grows past the
/// machine's memory (or `ulimit -v`) died with "failed to allocate" and a stack trace. Every
/// place where values grow asks `Interpreter.reserve` first, which compares the process's
/// memory with the budget and throws a clean error (exit 70) before the allocation.
public enum MemoryBudget {
    /// Half the machine's memory, at most 4 GiB, and well inside an address-space limit.
    public static let defaultBytes: Int = {
        var bytes = min(Int(ProcessInfo.processInfo.physicalMemory / 2), 4 << 30)
        if let cap = addressSpaceLimit { bytes = min(bytes, cap / 2) }
        return max(bytes, 64 << 20)
    }()

    /// `ulimit -v` (RLIMIT_AS), if set.
    public static let addressSpaceLimit: Int? = {
        var r = rlimit()
        guard getrlimit(RLIMIT_AS_VALUE, &r) == 0, r.rlim_cur != rlim_t.max else { return nil }
        return Int(clamping: r.rlim_cur)
    }()

    /// Under `ulimit -v`, one malloc heap for every thread. glibc gives a thread that meets
    /// contention a heap of its own, reserving 64 MiB of address space (128 MiB while aligning
    /// it) at once; under a tight limit that reservation, not napkin's values, ran out of room,
    /// and whether it happened depended on timing (a crash in 10 of 12 runs under 250 MB).
    /// Set once, before the first extra thread starts.
    static let oneHeapUnderAddressLimit: Void = {
        #if os(Linux)
        if addressSpaceLimit != nil { _ = napkin_mallopt(-8 /* M_ARENA_MAX */, 1) }
        #endif
    }()

    /// glibc gives a new thread a heap of its own and grows it a page at a time, a system call
    /// (mprotect) per page: about 300 for the evaluation of one `napkin -e`. Taking 2 MiB in
    /// blocks below malloc's mmap threshold and giving them back grows it once: glibc returns
    /// the pages to the system but keeps them mapped for the thread's next allocations.
    static func growThreadHeap() {
        #if os(Linux)
        guard addressSpaceLimit == nil else { return }  // one shared heap then (above)
        withUnsafeTemporaryAllocation(of: UnsafeMutableRawPointer?.self, capacity: 16) { blocks in
            for i in blocks.indices { blocks[i] = opaque(malloc(126 << 10)) }
            for i in blocks.indices { free(blocks[i]) }  // in order: they merge, one release
        }
        #endif
    }

    /// Hides a pointer from the optimiser, which would otherwise drop a malloc whose block is
    /// only freed.
    @_optimize(none)
    private static func opaque(_ p: UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? { p }

    #if os(Linux)
    private static let RLIMIT_AS_VALUE = __rlimit_resource_t(RLIMIT_AS.rawValue)
    #else
    private static let RLIMIT_AS_VALUE = RLIMIT_AS
    #endif

    /// Address space kept free under `ulimit -v` for what happens between two checks.
    static let headroom = 48 << 20

    /// Throws when the process is about to run out of address space under `ulimit -v`: for
    /// work outside any interpreter's budget, such as parsing a huge program.
    /// `growing`: bytes the next step may take at once (an array about to double).
    public static func checkAddressSpace(at span: Span, growing: Int = 0) throws(NapkinError) {
        guard let cap = addressSpaceLimit, let use = usage(), use.virtual + growing + headroom > cap else { return }
        throw NapkinError(.runtime, "out of memory: the program is too large for the process's memory limit (ulimit -v) of \(describe(cap))", at: span)
    }

    /// `500M`, `2G`, `1.5GB`, `64KiB`, or plain bytes.
    public static func parse(_ text: String) -> Int? {
        var t = text.trimmingCharacters(in: .whitespaces).uppercased()
        for suffix in ["IB", "B"] where t.hasSuffix(suffix) && t.count > suffix.count { t.removeLast(suffix.count); break }
        var factor = 1.0
        if let last = t.last, let k = ["K": 1024.0, "M": 1024.0 * 1024, "G": 1024.0 * 1024 * 1024, "T": 1024.0 * 1024 * 1024 * 1024][String(last)] {
            factor = k
            t.removeLast()
        }
        guard let v = Double(t), v.isFinite, v > 0, v * factor >= Double(1 << 20), v * factor < 1e18 else { return nil }
        return Int(v * factor)
    }

    /// (virtual, resident) bytes of this process, from /proc/self/statm.
    static func usage() -> (virtual: Int, resident: Int)? {
        #if os(Linux)
        let fd = open("/proc/self/statm", O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buf = [UInt8](repeating: 0, count: 128)
        let n = read(fd, &buf, buf.count)
        guard n > 0 else { return nil }
        let fields = String(decoding: buf[0..<n], as: UTF8.self).split(separator: " ")
        guard fields.count >= 2, let v = Int(fields[0]), let r = Int(fields[1]) else { return nil }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        return (v * page, r * page)
        #else
        return nil
        #endif
    }

    static func describe(_ bytes: Int) -> String {
        bytes >= 1 << 30 ? String(format: "%.1f GiB", Double(bytes) / Double(1 << 30)) : "\(bytes >> 20) MiB"
    }
}

extension Interpreter {
    /// Called before a value of about `bytes` is built. Small growth is only counted; a check
    /// (a read of /proc/self/statm) runs for a large value or after every 16 MiB of small ones.
    @inline(__always)
    func reserve(_ bytes: Int, _ span: Span) throws(NapkinError) {
        let (sum, overflow) = grown.addingReportingOverflow(bytes)
        grown = overflow ? Int.max : sum
        if bytes < 1 << 20 && grown < 16 << 20 { return }
        try checkMemory(bytes, span)
    }

    @inline(never)
    func checkMemory(_ bytes: Int, _ span: Span) throws(NapkinError) {
        grown = 0
        guard let use = MemoryBudget.usage() else { return }
        // Written so that no sum overflows, whatever `bytes` a caller asks for.
        if bytes > limits.maxMemory - use.resident {
            throw NapkinError(.runtime, "out of memory: this needs more than the session's budget of \(MemoryBudget.describe(limits.maxMemory))",
                              at: span, notes: ["raise it with --max-memory (e.g. --max-memory 8G), or build smaller values"])
        }
        if let cap = MemoryBudget.addressSpaceLimit, bytes > (cap - use.virtual - MemoryBudget.headroom) / 2 {
            throw NapkinError(.runtime, "out of memory: this would pass the process's memory limit (ulimit -v) of \(MemoryBudget.describe(cap))",
                              at: span, notes: ["build smaller values, or run with a higher ulimit -v; --max-memory sets napkin's own budget"])
        }
    }
}
