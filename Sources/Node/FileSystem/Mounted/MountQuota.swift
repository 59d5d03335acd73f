import Foundation

/// Keeps writes through the mount within the data directory's quota.
///
/// Every byte written counts as new storage until the version holding it is recorded (an upper bound: unchanged
/// parts are shared, and a rewrite of a part replaces it), and the mount promises itself that much through a
/// `SpaceReservation`, so adds running meanwhile see it too. A write that the quota cannot cover fails with
/// `quotaExceeded` (`EDQUOT`) and changes nothing. The quota is read again after each group commit, before
/// refusing a write, and at least every `unsetQuotaRereadInterval` while none is set, so `zenfs quota --set`
/// takes effect on a live mount.
final class MountQuota: Sendable {
    /// How long a mount without a quota writes before it looks again whether one was set.
    static let unsetQuotaRereadInterval: Duration = .seconds(1)

    private let data: DataDirectory
    private let space: SpaceReservation
    /// The quota as last read, when it was read, and bytes written but not yet recorded.
    private let state: Locked<(quota: Int64?, readAt: ContinuousClock.Instant, uncommitted: Int64)>

    init(data: DataDirectory) {
        self.data = data
        space = SpaceReservation(data: data)
        state = Locked(((try? data.quota()) ?? nil, .now, 0))
    }

    /// Admits a write of `count` bytes, or throws `quotaExceeded` when the quota has no room for it.
    func admit(_ count: Int) throws {
        try state.withLock { state in
            let total = state.uncommitted + Int64(count)
            if state.quota == nil && state.readAt.duration(to: .now) >= Self.unsetQuotaRereadInterval {
                state.quota = try data.quota()
                state.readAt = .now
            }
            if state.quota != nil {
                do {
                    try space.cover(total)
                } catch StoreError.quotaExceeded {
                    // The quota may have been raised or removed since it was read.
                    state.quota = try data.quota()
                    state.readAt = .now
                    if state.quota != nil { try space.cover(total) }
                }
            }
            state.uncommitted = total
        }
    }

    /// Forgets `count` bytes: recorded in the catalog (they now count as stored), or admitted for a write that failed.
    func settle(_ count: Int64) {
        guard count > 0 else { return }
        state.withLock { state in
            state.uncommitted = max(0, state.uncommitted - count)
            // A quota that cannot be read now keeps the last one read.
            if let quota = try? Optional(data.quota()) {
                state.quota = quota
                state.readAt = .now
            }
            if state.quota != nil { try? space.resize(to: state.uncommitted) }
        }
    }

    /// Gives the mount's promise back (at unmount).
    func release() { space.release() }
}
