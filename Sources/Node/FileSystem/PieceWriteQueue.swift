import Foundation
import ZenFS

/// One hashed piece waiting to be written: its hash and bytes that stay valid while the job lives.
struct PieceWriteJob: @unchecked Sendable {
    let index: Int
    let hash: SHA1Digest
    let bytes: UnsafeRawBufferPointer
    /// Keeps `bytes` alive (a mapping of the source file, or a pooled buffer) until the write is done.
    let owner: AnyObject
}

/// A bounded hand-off from the threads that hash pieces to the threads that write them, so hashing never waits
/// on the disk and the pieces in flight stay within a fixed memory budget.
final class PieceWriteQueue: @unchecked Sendable {
    private let condition = NSCondition()
    /// A ring of `capacity` slots; a taken slot is emptied at once, so nothing keeps a written piece's bytes alive.
    private var slots: [PieceWriteJob?]
    private var head = 0
    private var count = 0
    private var closed = false

    init(capacity: Int) {
        slots = Array(repeating: nil, count: max(1, capacity))
    }

    /// Adds a job, waiting while the queue is full; false once the queue is closed.
    func push(_ job: PieceWriteJob) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while count == slots.count && !closed { condition.wait() }
        if closed { return false }
        slots[(head + count) % slots.count] = job
        count += 1
        condition.broadcast()
        return true
    }

    /// Takes the oldest job, waiting while the queue is empty; nil once it is closed and empty.
    func pop() -> PieceWriteJob? {
        condition.lock()
        defer { condition.unlock() }
        while count == 0 && !closed { condition.wait() }
        guard count > 0, let job = slots[head] else { return nil }
        slots[head] = nil
        head = (head + 1) % slots.count
        count -= 1
        condition.broadcast()
        return job
    }

    /// No more jobs will come: waiting writers drain what is queued and stop; waiting producers give up.
    func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }
}
