/// Resource limits, each with a clear error and a command-line setting to raise it.
public struct Limits: Sendable {
    public var maxCallDepth = 10_000
    public var maxSweepPoints = 10_000_000
    public var maxListLength = 10_000_000
    public var maxStringLength = 10_000_000
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
}
