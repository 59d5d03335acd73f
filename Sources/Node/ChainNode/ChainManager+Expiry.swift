import Chain

extension ChainManager {
    /// How many of the newest blocks the pace of the chain is read from.
    static let paceWindow = 24

    /// A channel expiry height at least `seconds` ahead of the tip: as many blocks as the configured spacing
    /// expects in that time, or more when the newest blocks came faster than that (a busy or development miner),
    /// plus `margin` blocks. An expiry that comes too soon would let the payer refund a channel its payee still
    /// serves; one that comes late only keeps the payer's change locked a little longer.
    public func expiryHeight(coveringSeconds seconds: Int64, margin: UInt32 = 6) -> UInt32 {
        let height = tip.height
        let seconds = max(0, seconds)
        var blocks = seconds / max(1, Int64(network.chain.blockSpacing))
        if height >= Self.paceWindow, let newest = try? block(atHeight: height),
            let oldest = try? block(atHeight: height - Self.paceWindow)
        {
            let elapsed = max(1, Int64(clamping: newest.header.time) - Int64(clamping: oldest.header.time))
            let (paced, overflow) = seconds.multipliedReportingOverflow(by: Int64(Self.paceWindow))
            blocks = max(blocks, overflow ? Int64.max : paced / elapsed)
        }
        return UInt32(clamping: Int64(height) + min(blocks, Int64(UInt32.max)) + Int64(margin))
    }
}
