import Glibc
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
/// on the disk and the pieces in flight stay within a fixed memory budget. Producers and consumers wait on
/// separate conditions, so each hand-off wakes one thread rather than all of them.
final class PieceWriteQueue: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let notEmpty = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private let notFull = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    /// A ring of slots; a taken slot is emptied at once, so nothing keeps a written piece's bytes alive.
    private var slots: [PieceWriteJob?]
    private var head = 0
    private var count = 0
    private var closed = false

    init(capacity: Int) {
        slots = Array(repeating: nil, count: max(1, capacity))
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(notEmpty, nil)
        pthread_cond_init(notFull, nil)
    }

    deinit {
        pthread_cond_destroy(notFull)
        pthread_cond_destroy(notEmpty)
        pthread_mutex_destroy(mutex)
        notFull.deallocate()
        notEmpty.deallocate()
        mutex.deallocate()
    }

    /// Adds a job, waiting while the queue is full; false once the queue is closed.
    func push(_ job: PieceWriteJob) -> Bool {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        while count == slots.count && !closed { pthread_cond_wait(notFull, mutex) }
        if closed { return false }
        slots[(head + count) % slots.count] = job
        count += 1
        pthread_cond_signal(notEmpty)
        return true
    }

    /// Takes the oldest job, waiting while the queue is empty; nil once it is closed and empty.
    func pop() -> PieceWriteJob? {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        while count == 0 && !closed { pthread_cond_wait(notEmpty, mutex) }
        guard count > 0, let job = slots[head] else { return nil }
        slots[head] = nil
        head = (head + 1) % slots.count
        count -= 1
        pthread_cond_signal(notFull)
        return job
    }

    /// No more jobs will come: waiting writers drain what is queued and stop; waiting producers give up.
    func close() {
        pthread_mutex_lock(mutex)
        closed = true
        pthread_cond_broadcast(notEmpty)
        pthread_cond_broadcast(notFull)
        pthread_mutex_unlock(mutex)
    }
}
