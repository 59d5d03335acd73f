import Synchronization

/// Set by any worker of a parallel seal or open that failed; read once they all returned.
final class FailureFlag: Sendable {
    private let flag = Atomic<Bool>(false)
    func set() { flag.store(true, ordering: .relaxed) }
    var isSet: Bool { flag.load(ordering: .relaxed) }
}

/// The address of one output buffer handed to parallel workers, each writing its own disjoint chunks.
struct UncheckedPointer: @unchecked Sendable {
    let address: UnsafeMutableRawPointer
}

/// A value handed to parallel workers that each use a disjoint part of it (their own cipher context, their
/// own chunks of a buffer read by all).
struct Unchecked<Value>: @unchecked Sendable {
    let value: Value
}
