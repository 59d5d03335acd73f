extension UploadOrder {
    /// The order with its checkpoints: the node's default when it names none. Under checkpoints payouts
    /// happen at checkpoints, so the offer's payout interval is the checkpoint interval.
    func withProof(default fallback: ProofOrder?) -> UploadOrder {
        var order = self
        if order.proof == nil { order.proof = fallback }
        if let proof = order.proof { order.payoutIntervalSeconds = proof.intervalSeconds }
        return order
    }
}
