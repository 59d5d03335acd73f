import Chain

/// Whether a reader's download channel still pays for what a holder is about to serve: the charge of every byte
/// admitted so far and the next part, plus the close fee every state carries, within the channel's funding. A
/// holder serves nothing the channel cannot pay for; it asks for a new channel instead (the reader's top-up).
public enum DownloadFunds {
    public static func covers(
        funding: Amount,
        closeFee: Amount,
        downloadPerGiB: Amount,
        admittedBytes: UInt64,
        nextBytes: UInt64
    ) -> Bool {
        let rates = StorageRates(
            storagePerGiBMonth: Amount(units: 0),
            uploadPerGiB: Amount(units: 0),
            downloadPerGiB: downloadPerGiB
        )
        let (total, overflow) = admittedBytes.addingReportingOverflow(nextBytes)
        guard !overflow else { return false }
        let charge = rates.charge(for: StorageUsage(downloadedBytes: total))
        return charge.units <= funding.units - closeFee.units
    }
}
