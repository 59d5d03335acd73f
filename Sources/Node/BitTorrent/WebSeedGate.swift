import Synchronization

/// Counts the web-seed responses being answered and refuses one past the limit, so that slow clients cannot
/// together hold more than `limit` responses' buffers (and reading threads) at once.
final class WebSeedGate: Sendable {
    let limit: Int
    private let active = Mutex(0)

    init(limit: Int) { self.limit = max(1, limit) }

    /// Takes a place; false when all `limit` places are taken.
    func enter() -> Bool {
        active.withLock { count in
            guard count < limit else { return false }
            count += 1
            return true
        }
    }

    /// Gives a place back.
    func leave() { active.withLock { $0 -= 1 } }

    /// How many responses are being answered.
    var current: Int { active.withLock { $0 } }
}
