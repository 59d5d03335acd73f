import Dispatch
import Synchronization
import ZenFS

/// Makes fetched parts durable in groups: each fetch stages its part and waits; one thread commits everything
/// staged so far with two filesystem syncs, while the parts that arrive meanwhile gather for the next commit.
/// Sixteen parallel fetches thus cost two syncs per round rather than two per part.
final class FetchedElementCommitter: Sendable {
    private let data: DataDirectory
    private let queue = DispatchQueue(label: "zenfs.fetched-commit")
    private let state = Mutex(State())

    struct State {
        var pending: [(element: StagedElement, done: CheckedContinuation<Void, any Error>)] = []
        var running = false
    }

    init(data: DataDirectory) {
        self.data = data
    }

    /// Stages `bytes` (already verified to hash to `hash`) and returns once the part is durable under its name.
    func store(_ bytes: [UInt8], as hash: SHA1Digest) async throws {
        let staged = try bytes.withUnsafeBytes { buffer in try data.store.stage(buffer, as: hash) }
        guard let staged else { return }
        try await withCheckedThrowingContinuation { (done: CheckedContinuation<Void, any Error>) in
            let start = state.withLock { state -> Bool in
                state.pending.append((staged, done))
                if state.running { return false }
                state.running = true
                return true
            }
            if start { queue.async { self.drain() } }
        }
    }

    private func drain() {
        while true {
            let batch = state.withLock {
                state -> [(element: StagedElement, done: CheckedContinuation<Void, any Error>)]? in
                if state.pending.isEmpty {
                    state.running = false
                    return nil
                }
                defer { state.pending = [] }
                return state.pending
            }
            guard let batch else { return }
            do {
                try data.withLock(.shared) { try data.store.commit(batch.map(\.element)) }
                for entry in batch { entry.done.resume() }
            } catch {
                for entry in batch { entry.done.resume(throwing: error) }
            }
        }
    }
}
