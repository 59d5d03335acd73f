/// What a storage contract has used so far: bytes the publisher sent, bytes readers fetched, and bytes kept
/// times seconds kept. Integers only; the charge is worked out from the totals (see `StorageRates.charge`).
public struct StorageUsage: Hashable, Sendable {
    public var uploadedBytes: UInt64 = 0
    public var downloadedBytes: UInt64 = 0
    public var storedByteSeconds: UInt128 = 0

    public init(uploadedBytes: UInt64 = 0, downloadedBytes: UInt64 = 0, storedByteSeconds: UInt128 = 0) {
        self.uploadedBytes = uploadedBytes
        self.downloadedBytes = downloadedBytes
        self.storedByteSeconds = storedByteSeconds
    }
}

/// Meters one holder's storage over time: bytes held are integrated second by second up to the clock given.
/// The clock is passed in (seconds), so the meter is exact and testable.
public struct StorageMeter: Hashable, Sendable {
    public private(set) var usage: StorageUsage
    /// Bytes held now.
    public private(set) var heldBytes: UInt64
    /// The second up to which `usage` counts storage.
    public private(set) var meteredUntil: Int64

    public init(startingAt now: Int64, usage: StorageUsage = StorageUsage(), heldBytes: UInt64 = 0) {
        self.usage = usage
        self.heldBytes = heldBytes
        meteredUntil = now
    }

    /// Counts storage up to `now` (no earlier than already counted; never past `end`, when given).
    public mutating func advance(to now: Int64, end: Int64? = nil) {
        let until = min(now, end ?? .max)
        guard until > meteredUntil else { return }
        usage.storedByteSeconds += UInt128(heldBytes) * UInt128(until - meteredUntil)
        meteredUntil = until
    }

    /// A part of `bytes` was sent and is now held (counted as upload and, from `now`, as storage).
    public mutating func stored(_ bytes: UInt64, at now: Int64) {
        advance(to: now)
        usage.uploadedBytes += bytes
        heldBytes += bytes
    }

    /// A reader fetched `bytes` from the holder.
    public mutating func downloaded(_ bytes: UInt64) { usage.downloadedBytes += bytes }

    /// The holder let go of `bytes` (the contract ended or a part moved); storage stops counting them.
    public mutating func released(_ bytes: UInt64, at now: Int64) {
        advance(to: now)
        heldBytes -= min(bytes, heldBytes)
    }
}
