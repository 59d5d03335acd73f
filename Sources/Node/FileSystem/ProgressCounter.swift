import Synchronization

/// Bytes done out of a known total, updated from worker threads and read by whoever draws progress.
public final class ProgressCounter: Sendable {
    public let total: Int64
    private let done = Atomic<Int64>(0)

    public init(total: Int64) {
        self.total = total
    }

    /// Adds `bytes` to the work done.
    public func advance(by bytes: Int64) {
        done.add(bytes, ordering: .relaxed)
    }

    /// The bytes done so far.
    public var completed: Int64 { done.load(ordering: .relaxed) }
}
