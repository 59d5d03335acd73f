import Chain

/// What a holder charges, in Zencoin units: per GiB (2^30 bytes) kept for a month (30 days), per GiB received
/// from the publisher, and per GiB sent to a reader.
public struct StorageRates: Hashable, Sendable, Codable {
    public static let gibibyte: UInt64 = 1 << 30
    /// Seconds in the month prices are quoted per.
    public static let secondsPerMonth: UInt64 = 30 * 86_400

    public var storagePerGiBMonth: Amount
    public var uploadPerGiB: Amount
    public var downloadPerGiB: Amount

    public init(storagePerGiBMonth: Amount, uploadPerGiB: Amount, downloadPerGiB: Amount) {
        self.storagePerGiBMonth = storagePerGiBMonth
        self.uploadPerGiB = uploadPerGiB
        self.downloadPerGiB = downloadPerGiB
    }

    public static let free = StorageRates(
        storagePerGiBMonth: Amount(units: 0),
        uploadPerGiB: Amount(units: 0),
        downloadPerGiB: Amount(units: 0)
    )

    /// Whether every rate is at most the matching one of `limit`.
    public func isWithin(_ limit: StorageRates) -> Bool {
        storagePerGiBMonth <= limit.storagePerGiBMonth && uploadPerGiB <= limit.uploadPerGiB
            && downloadPerGiB <= limit.downloadPerGiB
    }

    /// The exact charge for `usage`: the sum of its three parts as fractions of units, rounded down once, so a
    /// contract's running charge never loses a unit to rounding (the remainder is carried in the usage).
    public func charge(for usage: StorageUsage) -> Amount {
        let gib = UInt128(Self.gibibyte)
        let month = UInt128(Self.secondsPerMonth)
        // Transfer: bytes × units per GiB, over GiB.
        let transfer =
            UInt128(usage.uploadedBytes) * UInt128(UInt64(uploadPerGiB.units))
            + UInt128(usage.downloadedBytes) * UInt128(UInt64(downloadPerGiB.units))
        // Storage: byte-seconds × units per GiB-month, over GiB × month.
        let storage = usage.storedByteSeconds.multipliedReportingOverflow(by: UInt128(UInt64(storagePerGiBMonth.units)))
        guard !storage.overflow else { return Amount.maximum }
        let whole = transfer / gib + storage.partialValue / (gib * month)
        let remainders = (transfer % gib) * month + storage.partialValue % (gib * month)
        let total = whole + remainders / (gib * month)
        return total >= UInt128(UInt64(Amount.maximum.units)) ? Amount.maximum : Amount(units: Int64(total))
    }
}
