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
