import Glibc

/// A value guarded by a plain `pthread_mutex_t`.
///
/// On Linux the standard library's `Mutex` is a priority-inheritance futex: under contention every hand-off goes
/// through the kernel's rt-mutex and wakes waiters one by one. With a dozen FUSE threads reading one file, the part
/// reader's tables convoyed on it (threads asleep in `rt_mutex_schedule`, the disk idle, 150 MB/s); a plain mutex
/// spins briefly and hands off without that cost. Use this for locks taken on every request.
public final class Locked<Value>: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private var value: Value

    public init(_ value: Value) {
        self.value = value
        var attributes = pthread_mutexattr_t()
        pthread_mutexattr_init(&attributes)
        pthread_mutexattr_settype(&attributes, Int32(PTHREAD_MUTEX_ADAPTIVE_NP))
        pthread_mutex_init(mutex, &attributes)
        pthread_mutexattr_destroy(&attributes)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    /// Runs `body` with the value while holding the lock.
    public func withLock<T>(_ body: (inout Value) throws -> T) rethrows -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value)
    }
}
