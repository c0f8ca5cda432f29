import Foundation
import Synchronization

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
        let finished = Countdown(max(count, 1) - 1)
        var inline: [Int] = [0]
        for i in 1..<max(count, 1) {
            let started = ThreadPool.shared.run({ body(i) }, then: { finished.one() })
            if !started {
                finished.one()
                inline.append(i)
            }
        }
        for i in inline { body(i) }
        finished.wait(polling: count <= processors)
    }

    static let processors = ProcessInfo.processInfo.activeProcessorCount

    /// How long a thread that has just finished its part polls before it sleeps. Waking a
    /// sleeping thread on another core took 94 µs on average and up to 3.9 ms on the 2-core
    /// virtual machine measured (`bench/wake_latency.c`, docs/performance.md), as long as a
    /// whole sweep's share of work; a sweep that spreads again within the millisecond (the next
    /// line of a script, the next repetition) finds the thread awake. Polling costs a core for
    /// that long after every spread, so it is short, and only done while there are no more
    /// threads than cores (with more, a polling thread would take a core from one computing).
    /// OpenMP runtimes do the same (spin, then block).
    static let pollNanoseconds: UInt64 = 1_000_000

    /// Polls `done` until it holds or `pollNanoseconds` pass; whether it held.
    static func poll(until done: () -> Bool) -> Bool {
        let deadline = DispatchTime.now().uptimeNanoseconds + pollNanoseconds
        var polls = 0
        while !done() {
            polls &+= 1
            if polls & 63 == 0, DispatchTime.now().uptimeNanoseconds > deadline { return false }
        }
        return true
    }
}

/// The parts of a `runAll` still running; the caller polls it for a while, then sleeps.
private final class Countdown: @unchecked Sendable {
    private let left: Atomic<Int>
    private let zero = DispatchSemaphore(value: 0)
    init(_ count: Int) { left = Atomic(count) }

    func one() {
        if left.subtract(1, ordering: .acquiringAndReleasing).newValue == 0 { zero.signal() }
    }

    func wait(polling: Bool) {
        if polling, LargeStackThread.poll(until: { left.load(ordering: .acquiring) == 0 }) { return }
        zero.wait()
    }
}

/// Large-stack threads kept between parallel sweeps: starting one (and unmapping its stack
/// after) cost more than a short sweep's share of work. A thread polls a millisecond for its
/// next job (`LargeStackThread.pollNanoseconds`) while the pool has fewer threads than the
/// machine has cores, then sleeps up to a second, then ends, so an idle session holds none.
private final class ThreadPool: @unchecked Sendable {
    static let shared = ThreadPool()
    private let lock = NSLock()
    private var idle: [Worker] = []
    /// Threads of the pool, running or waiting.
    private let threads = Atomic<Int>(0)

    private final class Worker: @unchecked Sendable {
        let wake = DispatchSemaphore(value: 0)
        /// `running`, `polling` or `sleeping`: what the thread does; `handed` once a job is set.
        let state = Atomic<Int>(Worker.running)
        static let running = 0, polling = 1, sleeping = 2, handed = 3
        var job: (() -> Void)?
        var then: (() -> Void)?
    }

    /// Runs `job` on a waiting thread, or on a new one, and `then` once that thread is waiting
    /// again; false when no thread could be made.
    func run(_ job: @escaping () -> Void, then: @escaping () -> Void) -> Bool {
        lock.lock()
        if let w = idle.popLast() {
            lock.unlock()
            w.job = job
            w.then = then
            // A polling thread sees the job; a sleeping one is woken.
            if w.state.exchange(Worker.handed, ordering: .acquiringAndReleasing) == Worker.sleeping { w.wake.signal() }
            return true
        }
        lock.unlock()
        let w = Worker()
        w.job = job
        w.then = then
        threads.add(1, ordering: .relaxed)
        guard let thread = LargeStackThread.start({ self.serve(w) }) else {
            threads.subtract(1, ordering: .relaxed)
            return false
        }
        pthread_detach(thread)
        return true
    }

    /// Runs the job handed to `w` and lets it go (with what it holds: a window's rows, its
    /// blocks) before the thread waits; gives back what to call once the thread is idle.
    private func runJob(_ w: Worker) -> (() -> Void)? {
        let job = w.job, then = w.then
        w.job = nil
        w.then = nil
        job?()
        return then
    }

    private func serve(_ w: Worker) {
        while true {
            let then = runJob(w)
            // Waiting again before the caller hears the job is done: a sweep that spreads again
            // straight away finds this thread, where it used to start a new one (1–3 ms: a
            // stack and a heap of its own) while this one was on its way back.
            w.state.store(Worker.polling, ordering: .releasing)
            lock.lock()
            idle.append(w)
            lock.unlock()
            then?()
            // The calling thread and the pool's: no more than the cores, or this one sleeps now.
            let polls = threads.load(ordering: .relaxed) < LargeStackThread.processors
            let handed = polls && LargeStackThread.poll { w.state.load(ordering: .acquiring) == Worker.handed }
            if !handed, w.state.compareExchange(expected: Worker.polling, desired: Worker.sleeping,
                                                ordering: .acquiringAndReleasing).exchanged {
                if w.wake.wait(timeout: .now() + 1) == .timedOut {
                    lock.lock()
                    if let i = idle.firstIndex(where: { $0 === w }) {
                        idle.remove(at: i)
                        lock.unlock()
                        threads.subtract(1, ordering: .relaxed)
                        return
                    }
                    lock.unlock()
                    // Taken just as the wait ended: its job is on the way.
                    w.wake.wait()
                }
            }
            w.state.store(Worker.running, ordering: .releasing)
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
