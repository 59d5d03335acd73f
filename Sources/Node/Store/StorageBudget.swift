/// How many new bytes may be stored now, and which limit says so: the quota's remainder (less what adds in
/// progress have promised) and the disk's free space less the reserve kept for the catalog.
public struct StorageBudget: Sendable, Equatable {
    /// The quota, when one is set.
    public let quota: Int64?
    /// What the quota leaves: the quota less stored and promised bytes (nil without a quota).
    public let quotaRoom: Int64?
    /// Free bytes on the disk holding the store (nil when the filesystem cannot tell).
    public let diskFree: Int64?
    /// Bytes kept free on that disk for the catalog and its journal.
    public let diskReserve: Int64
    /// Where the store lives, for messages.
    public let path: String

    /// The bytes that may be stored: the smaller of the two limits, never negative.
    public var bytes: Int64 {
        min(max(0, quotaRoom ?? .max), diskFree.map { max(0, $0 - diskReserve) } ?? .max)
    }

    /// The refusal of storing `needed` new bytes when they do not fit: `diskFull` with the free and needed
    /// bytes when the disk is the tighter limit, `quotaExceeded` when the quota is.
    public func refusal(needed: Int64) -> StoreError {
        let diskRoom = diskFree.map { max(0, $0 - diskReserve) } ?? .max
        if let quota, let quotaRoom, quotaRoom <= diskRoom {
            return .quotaExceeded(needed: needed, available: max(0, quotaRoom), quota: quota)
        }
        return .diskFull(path: path, needed: needed + diskReserve, free: diskFree ?? 0)
    }

    /// The refusal for an add that has staged `staged` bytes (counted against the quota) taking `onDisk` bytes
    /// of the disk (less, where zero tails were left as holes), or nil while both fit; `needed` is the most the
    /// add may store, for the message.
    public func refusal(staged: Int64, onDisk: Int64, needed: Int64) -> StoreError? {
        if let quota, let quotaRoom, staged > quotaRoom {
            return .quotaExceeded(needed: needed, available: max(0, quotaRoom), quota: quota)
        }
        if let diskFree, onDisk > diskFree - diskReserve {
            return .diskFull(path: path, needed: needed + diskReserve, free: diskFree)
        }
        return nil
    }

    /// The reserve for a disk of `total` bytes: 1/64 of it, at least 1 MiB and at most 32 MiB. A fixed 32 MiB
    /// refused every add on disks of less than that.
    public static func reserve(forDiskOf total: Int64) -> Int64 {
        min(32 << 20, max(1 << 20, total / 64))
    }
}
