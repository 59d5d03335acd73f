import Chain
import Dispatch
import Foundation
import Synchronization

/// Checks a block's key signatures on every core: signature verification dominates validation.
public enum ParallelSignatureCheck {
    /// True when every check passes (false at the first failure any worker finds).
    public static func allValid(
        _ checks: [SignatureCheck],
        workers: Int = ProcessInfo.processInfo.activeProcessorCount
    ) -> Bool {
        guard checks.count > 1 else { return checks.allSatisfy { $0.isValid() } }
        let failed = Atomic<Bool>(false)
        let next = Atomic<Int>(0)
        let chunk = 16
        DispatchQueue.concurrentPerform(iterations: max(1, min(workers, checks.count))) { _ in
            while !failed.load(ordering: .relaxed) {
                let start = next.add(chunk, ordering: .relaxed).oldValue
                if start >= checks.count { return }
                for index in start..<min(checks.count, start + chunk) where !checks[index].isValid() {
                    failed.store(true, ordering: .relaxed)
                    return
                }
            }
        }
        return !failed.load(ordering: .relaxed)
    }
}
