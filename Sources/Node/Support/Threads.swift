import Foundation

/// Runs `body(index)` for every index in `0..<count`, each on its own thread (index 0 on the caller's), and
/// returns when all have finished. Unlike `DispatchQueue.concurrentPerform`, which keeps to one thread per core,
/// this lets threads that block on disk writes overlap with threads that hash.
func runOnThreads(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) {
    let finished = DispatchGroup()
    for index in 1..<max(1, count) {
        finished.enter()
        let thread = Thread {
            body(index)
            finished.leave()
        }
        thread.stackSize = 1 << 20
        thread.start()
    }
    body(0)
    finished.wait()
}

/// Work started on a thread of its own; the starter overlaps other work with it, then waits for its outcome.
final class BackgroundWork: @unchecked Sendable {
    private let finished = DispatchSemaphore(value: 0)
    /// Written by the work's thread before it signals `finished`; read by the starter after waiting.
    private var failure: (any Error)?
    /// Touched by the starter only.
    private var waited = false

    init(_ body: @escaping @Sendable () throws -> Void) {
        let thread = Thread { [self] in
            do { try body() } catch { failure = error }
            finished.signal()
        }
        thread.stackSize = 1 << 20
        thread.start()
    }

    /// Waits until the work has finished (later calls return at once) and rethrows its error, if any.
    func wait() throws {
        if !waited {
            finished.wait()
            waited = true
        }
        if let failure { throw failure }
    }
}
