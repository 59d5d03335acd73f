import Chain

/// The payee's close of a one-way channel on chain with the best state it holds: shared by the storage market's
/// holders and the VM market's nodes, which keep the same fields in their own records.
enum PayeeChannelClose {
    /// Builds and submits the close paying `stateAmount` (the close fee included) to `payee`; nil when there is
    /// nothing worth closing with (no channel, no signed state, or a state that pays no more than the fee).
    static func submit(
        channel: OutPoint?,
        terms: ChannelTerms?,
        funding: Int64,
        stateAmount: Int64,
        stateSignature: String?,
        closeFee: Int64,
        payee: PrivateKey,
        through chainService: ChainService
    ) throws -> Transaction? {
        guard let channel, let terms,
            let signature = stateSignature.flatMap(Hex.decode).flatMap(Signature.init(bytes:)),
            stateAmount > closeFee
        else { return nil }
        let transaction = try Transaction.channelClose(
            channel: channel,
            terms: terms,
            funding: Amount(units: funding),
            payeeAmount: Amount(units: stateAmount),
            payerStateSignature: signature,
            payee: payee,
            fee: Amount(units: closeFee)
        )
        try chainService.submit(transaction)
        return transaction
    }
}
