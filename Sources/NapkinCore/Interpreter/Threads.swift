import Foundation

/// Native threads with large stacks: deep (but limited) recursion in napkin code must report a
/// limit error, not overflow the stack. When the system cannot give that much (a memory cap),
/// smaller stacks are tried.
enum LargeStackThread {
    /// Largest first. Under an address-space limit (`ulimit -v`) a stack is reserved in full when
    /// the thread starts, so only sizes that leave half the room for the heap are tried (a stack
    /// that takes it all leaves nothing to allocate values with).
    static var stackSizes: [Int] {
        let sizes = [1 << 30, 1 << 28, 1 << 26, 1 << 24]
        guard let cap = MemoryBudget.addressSpaceLimit, let use = MemoryBudget.usage() else { return sizes }
        let room = (cap - use.virtual) / 2
        let fitting = sizes.filter { $0 <= room }
        return fitting.isEmpty ? [1 << 24] : fitting
    }

    /// Starts `body` on a new thread; nil if no thread could be made.
    static func start(_ body: @escaping () -> Void) -> pthread_t? {
        _ = MemoryBudget.oneHeapUnderAddressLimit
        let box = ThreadBody(body)
        for size in stackSizes {
            var attr = pthread_attr_t()
            pthread_attr_init(&attr)
            defer { pthread_attr_destroy(&attr) }
            guard pthread_attr_setstacksize(&attr, size) == 0 else { continue }
            var thread = pthread_t()
            let context = Unmanaged.passRetained(box).toOpaque()
            let started = pthread_create(&thread, &attr, { raw in
                Unmanaged<ThreadBody>.fromOpaque(raw!).takeRetainedValue().run()
                return nil
            }, context)
            if started == 0 { return thread }
            Unmanaged<ThreadBody>.fromOpaque(context).release()
        }
        return nil
    }

    /// Runs `body(0)`, … `body(count - 1)` at once, `body(0)` on the calling thread, and waits
    /// for all of them. The others run on pooled threads (`ThreadPool`); an index no thread
    /// could be found for runs on the calling thread too.
    static func runAll(_ count: Int, _ body: @escaping (Int) -> Void) {
        let done = DispatchGroup()
        var inline: [Int] = [0]
        for i in 1..<max(count, 1) {
            done.enter()
            let started = ThreadPool.shared.run {
                body(i)
                done.leave()
            }
            if !started {
                done.leave()
                inline.append(i)
            }
        }
        for i in inline { body(i) }
        done.wait()
    }
}

/// Large-stack threads kept between parallel sweeps: starting one (and unmapping its stack
/// after) cost more than a short sweep's share of work. A thread waits a second for its next
/// job, then ends, so an idle session holds none.
private final class ThreadPool: @unchecked Sendable {
    static let shared = ThreadPool()
    private let lock = NSLock()
    private var idle: [Worker] = []

    private final class Worker: @unchecked Sendable {
        let wake = DispatchSemaphore(value: 0)
        var job: (() -> Void)?
    }

    /// Runs `job` on a waiting thread, or on a new one; false when no thread could be made.
    func run(_ job: @escaping () -> Void) -> Bool {
        lock.lock()
        if let w = idle.popLast() {
            lock.unlock()
            w.job = job
            w.wake.signal()
            return true
        }
        lock.unlock()
        let w = Worker()
        w.job = job
        guard let thread = LargeStackThread.start({ self.serve(w) }) else { return false }
        pthread_detach(thread)
        return true
    }

    private func serve(_ w: Worker) {
        while true {
            let job = w.job
            w.job = nil
            job?()
            lock.lock()
            idle.append(w)
            lock.unlock()
            if w.wake.wait(timeout: .now() + 1) == .timedOut {
                lock.lock()
                if let i = idle.firstIndex(where: { $0 === w }) {
                    idle.remove(at: i)
                    lock.unlock()
                    return
                }
                lock.unlock()
                // Taken just as the wait ended: its job is on the way.
                w.wake.wait()
            }
        }
    }
}

private final class ThreadBody: @unchecked Sendable {
    private var body: (() -> Void)?
    init(_ body: @escaping () -> Void) { self.body = body }
    func run() {
        let b = body
        body = nil  // the closure may hold what started it; let go once run
        MemoryBudget.growThreadHeap()
        b?()
    }
}
